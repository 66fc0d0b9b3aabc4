// Stand-in until JPEG support lands: PNG only, squashed, no crop.
public enum ImageCrop: String, Sendable, Codable, CaseIterable { case centre, none }
public enum ImageDecoding {
    public static let maxDimension = 8192
    public static func decodeForModel(
        _ bytes: [UInt8], side: Int, crop: ImageCrop = .centre, maxDimension: Int = maxDimension
    ) throws -> RGBImage {
        try PNGCodec.decodeForModel(bytes, side: side)
    }
    public static func decodeForDisplay(_ bytes: [UInt8], maxSide: Int, maxDimension: Int = maxDimension) throws
        -> RGBImage
    {
        let image = try PNGCodec.decode(bytes)
        let longest = max(image.width, image.height)
        guard longest > maxSide else { return image }
        return areaResize(
            image, width: max(1, image.width * maxSide / longest), height: max(1, image.height * maxSide / longest))
    }
}
