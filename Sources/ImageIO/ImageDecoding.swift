/// The image formats that are read: the first bytes decide, not a file name or a declared type.
public enum ImageFormat: String, Sendable {
    case png, jpeg
}

/// How a non-square image becomes the model's square input.
public enum ImageCrop: String, Sendable, Codable, CaseIterable {
    /// The central min(w, h) × min(w, h) square. It starts ⌊(w − side) / 2⌋ pixels in, so an
    /// odd difference cuts the extra column from the right (the extra row from the bottom).
    case centre
    /// The whole image, each axis scaled on its own (squashed).
    case none
}

/// One entry point for every image the project reads: PNG (libpng) or JPEG (libjpeg-turbo),
/// told apart by their signatures.
public enum ImageDecoding {
    /// The format the bytes' signature says, or nil.
    public static func format(of bytes: [UInt8]) -> ImageFormat? {
        if bytes.starts(with: pngSignature) { return .png }
        if bytes.starts(with: jpegStart) { return .jpeg }
        return nil
    }

    /// The largest width/height a dataset file may have.
    public static let maxDimension = 8192

    /// PNG or JPEG (sniffed) → side×side model input: centre-cropped to a square (crop .centre) or squashed (.none), then area-averaged; values in [0,1]; alpha composited over black.
    ///
    /// Rows are converted and resampled one at a time, so no Float copy of a large image is
    /// made; a large JPEG is decoded at the smallest DCT scale whose crop is still at least
    /// side×side, so an 8192×8192 one needs a 1024×1024 buffer for a 32×32 input.
    /// - Parameters:
    ///   - side: the width and height of the result.
    ///   - maxDimension: a wider or taller image is refused (`.tooLarge`) from its header.
    public static func decodeForModel(
        _ bytes: [UInt8], side: Int, crop: ImageCrop = .centre, maxDimension: Int = maxDimension
    ) throws -> RGBImage {
        try decodeForModel(bytes, side: side, crop: crop, maxDimension: maxDimension, dctScaling: true)
    }

    /// `decodeForModel`, with the JPEG's DCT scaling to be turned off, so that a benchmark
    /// can measure what it saves.
    @_spi(Benchmarks)
    public static func decodeForModel(
        _ bytes: [UInt8], side: Int, crop: ImageCrop, maxDimension: Int, dctScaling: Bool
    ) throws -> RGBImage {
        precondition(side > 0)
        return try bytes.withUnsafeBytes { raw in
            switch try sniffFormat(raw, expected: "a PNG or JPEG") {
            case .png:
                return try withDecodedPixels(raw, maxDimension: maxDimension) { rows in
                    resample(rows, window: modelWindow(rows.width, rows.height, crop), width: side, height: side)
                }
            case .jpeg:
                return try JPEGCodec.withDecodedRows(
                    raw, maxDimension: maxDimension,
                    constraints: { width, height in
                        // Without scaling: the short side keeps every one of its pixels.
                        [(min(width, height), dctScaling ? side : min(width, height))]
                    }
                ) { rows, width, height, factor in
                    resample(
                        rows, window: modelWindow(width, height, crop).scaled(by: factor), width: side, height: side)
                }
            }
        }
    }

    /// PNG or JPEG → scaled down (never up) by area averaging so that the longest side is at most maxSide, aspect kept; for serving a dataset's picture.
    public static func decodeForDisplay(_ bytes: [UInt8], maxSide: Int, maxDimension: Int = maxDimension) throws
        -> RGBImage
    {
        precondition(maxSide > 0)
        return try bytes.withUnsafeBytes { raw in
            switch try sniffFormat(raw, expected: "a PNG or JPEG") {
            case .png:
                return try withDecodedPixels(raw, maxDimension: maxDimension) { rows in
                    let size = displaySize(rows.width, rows.height, maxSide: maxSide)
                    return resample(
                        rows, window: .whole(rows.width, rows.height), width: size.width, height: size.height)
                }
            case .jpeg:
                return try JPEGCodec.withDecodedRows(
                    raw, maxDimension: maxDimension,
                    constraints: { width, height in
                        let size = displaySize(width, height, maxSide: maxSide)
                        return [(width, size.width), (height, size.height)]
                    }
                ) { rows, width, height, factor in
                    let size = displaySize(width, height, maxSide: maxSide)
                    return resample(
                        rows, window: SourceWindow.whole(width, height).scaled(by: factor), width: size.width,
                        height: size.height)
                }
            }
        }
    }

    /// The DCT scale `decodeForModel` decodes a width×height JPEG at for a side×side input.
    @_spi(Benchmarks)
    public static func jpegScale(width: Int, height: Int, side: Int) -> (numerator: Int, denominator: Int) {
        let factor = JPEGCodec.smallestFactor(for: [(min(width, height), side)])
        return (factor.0, factor.1)
    }

    /// The part of a width×height image that becomes the model's input.
    static func modelWindow(_ width: Int, _ height: Int, _ crop: ImageCrop) -> SourceWindow {
        switch crop {
        case .none:
            return .whole(width, height)
        case .centre:
            let side = min(width, height)
            return SourceWindow(
                x: Double((width - side) / 2), y: Double((height - side) / 2), width: Double(side),
                height: Double(side))
        }
    }

    /// width×height scaled (rounded to the nearest pixel, at least 1) so that the longest
    /// side is maxSide; unchanged when it already fits.
    static func displaySize(_ width: Int, _ height: Int, maxSide: Int) -> (width: Int, height: Int) {
        let longest = max(width, height)
        guard longest > maxSide else { return (width, height) }
        return (
            max(1, (width * maxSide + longest / 2) / longest), max(1, (height * maxSide + longest / 2) / longest)
        )
    }
}

// MARK: - Signatures and shared checks

let jpegStart: [UInt8] = [0xFF, 0xD8, 0xFF]

/// The format of `bytes`, or the error saying why they are none; `expected` ("a PNG or
/// JPEG") is what the messages ask for.
func sniffFormat(_ bytes: UnsafeRawBufferPointer, expected: String) throws -> ImageFormat {
    guard !bytes.isEmpty else {
        throw ImageError(kind: .empty, message: "no image data was given (0 bytes); expected \(expected) file")
    }
    let prefix = Array(bytes.prefix(pngSignature.count))
    if prefix.starts(with: pngSignature) { return .png }
    if prefix.starts(with: jpegStart) { return .jpeg }
    for (name, signature) in [("PNG", pngSignature), ("JPEG", jpegStart)]
    where prefix.count < signature.count && signature.starts(with: prefix) {
        throw ImageError(
            kind: .truncated,
            message:
                "the data is only \(bytes.count) byte\(bytes.count == 1 ? "" : "s"), the start of a \(name) signature; the file was cut short"
        )
    }
    throw ImageError(
        kind: .notAnImage,
        message: "the data is not \(expected) image (\(describeStart(prefix))); send \(expected) image")
}

/// "it starts like a GIF" for a few common formats, else the first bytes in hex.
private func describeStart(_ prefix: [UInt8]) -> String {
    let known: [(String, [UInt8])] = [
        ("a GIF", Array("GIF8".utf8)), ("WebP or another RIFF file", Array("RIFF".utf8)), ("a BMP", Array("BM".utf8)),
        ("a TIFF", [0x49, 0x49, 0x2A, 0x00]), ("a TIFF", [0x4D, 0x4D, 0x00, 0x2A]), ("JSON", Array("{".utf8)),
        ("a PDF", Array("%PDF".utf8)),
    ]
    for (name, magic) in known where prefix.starts(with: magic) { return "it starts like \(name)" }
    if prefix.count >= 8 && Array(prefix[4..<8]) == Array("ftyp".utf8) {
        return "it starts like HEIC, AVIF or another ISO media file"
    }
    let hex = prefix.prefix(4).map { byte in
        let digits = String(byte, radix: 16, uppercase: true)
        return digits.count == 1 ? "0" + digits : digits
    }
    return "it starts with the bytes \(hex.joined(separator: " "))"
}

/// Refuses, from the header alone, an image wider or taller than `maxDimension`.
func checkDimensions(_ width: Int, _ height: Int, format: String, maxDimension: Int) throws {
    guard width <= maxDimension, height <= maxDimension else {
        throw ImageError(
            kind: .tooLarge,
            message: "the \(format) is \(width)×\(height) pixels; at most \(maxDimension)×\(maxDimension) is accepted")
    }
}
