/// An RGB image with channel values in [0, 1], stored interleaved: (H, W, 3).
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// (H, W, 3), row-major, values in [0, 1].
    public var pixels: [Float]

    public init(width: Int, height: Int, pixels: [Float]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height * 3)
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A black image.
    public init(width: Int, height: Int) {
        self.init(width: width, height: height, pixels: [Float](repeating: 0, count: width * height * 3))
    }

    /// The pixels channels-first, (3, H, W), as the image encoder takes them.
    public func channelsFirst() -> [Float] {
        var out = [Float](repeating: 0, count: pixels.count)
        let plane = width * height
        for p in 0..<plane {
            out[p] = pixels[3 * p]
            out[plane + p] = pixels[3 * p + 1]
            out[2 * plane + p] = pixels[3 * p + 2]
        }
        return out
    }

    /// 8-bit interleaved RGB bytes (H, W, 3), rounded and clamped.
    public func rgb8() -> [UInt8] {
        pixels.map { UInt8(max(0, min(255, ($0 * 255).rounded()))) }
    }
}
