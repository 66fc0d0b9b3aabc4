import CLibPNG

/// PNG decoding and encoding through libpng (see Sources/CLibPNG/shim.h, which keeps
/// libpng's longjmp error handling away from Swift frames).
public enum PNGCodec {
    /// The largest accepted width and height.
    public static let maxDimension = 4096

    /// Any valid PNG: every colour type and bit depth, interlaced or not, alpha composited over black. Returns pixels in [0,1].
    public static func decode(_ bytes: UnsafeRawBufferPointer, maxDimension: Int = maxDimension) throws -> RGBImage {
        try checkSignature(bytes)
        return try withDecodedPixels(bytes, maxDimension: maxDimension, wholeImage)
    }

    public static func decode(_ bytes: [UInt8], maxDimension: Int = maxDimension) throws -> RGBImage {
        try bytes.withUnsafeBytes { try decode($0, maxDimension: maxDimension) }
    }

    /// Decode then area-average to side×side, each axis on its own (no crop), at most
    /// `maxDimension` (4096) on a side. `ImageDecoding.decodeForModel` takes JPEGs too.
    ///
    /// Gives the same pixels as `areaResize(decode(bytes), ...)`, but converts and
    /// resamples one row at a time, so a large upload never becomes a large Float image.
    public static func decodeForModel(_ bytes: [UInt8], side: Int = 32) throws -> RGBImage {
        precondition(side > 0)
        return try bytes.withUnsafeBytes { raw in
            try checkSignature(raw)
            return try withDecodedPixels(raw, maxDimension: maxDimension) { decoded in
                resample(decoded, window: .whole(decoded.width, decoded.height), width: side, height: side)
            }
        }
    }

    /// 8-bit RGB PNG.
    public static func encode(_ image: RGBImage) throws -> [UInt8] {
        try encode(rgb8: image.rgb8(), width: image.width, height: image.height)
    }

    public static func encode(rgb8: [UInt8], width: Int, height: Int) throws -> [UInt8] {
        guard width > 0, height > 0 else {
            throw ImageError(
                kind: .corrupt, message: "cannot encode a \(width)×\(height) image; both sides must be at least 1")
        }
        guard width <= Int(Int32.max) / 3, height <= Int(Int32.max) else {
            throw ImageError(
                kind: .tooLarge, message: "cannot encode a \(width)×\(height) image; it is beyond what PNG can hold")
        }
        guard rgb8.count == width * height * 3 else {
            throw ImageError(
                kind: .corrupt,
                message:
                    "cannot encode: a \(width)×\(height) RGB image needs \(width * height * 3) bytes, got \(rgb8.count)"
            )
        }
        var output: UnsafeMutablePointer<UInt8>?
        var outputSize = 0
        var message = [CChar](repeating: 0, count: 256)
        let code = rgb8.withUnsafeBufferPointer { pixels in
            message.withUnsafeMutableBufferPointer { messageBuffer in
                nvpng_encode_rgb8(
                    pixels.baseAddress, UInt32(width), UInt32(height),
                    &output, &outputSize, messageBuffer.baseAddress, messageBuffer.count)
            }
        }
        defer { nvpng_free(output) }
        guard code == Int32(NVPNG_OK), let output else {
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw ImageError(
                kind: .corrupt, message: "could not encode the PNG: \(reason.isEmpty ? "out of memory" : reason)")
        }
        return Array(UnsafeBufferPointer(start: output, count: outputSize))
    }
}

// MARK: - Decoding internals

let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

/// byte / 255 for every byte value: the same Floats as dividing, without dividing.
let unitFromByte: [Float] = (0..<256).map { Float($0) / 255 }

/// Rows as libpng left them after the shim's transforms: RGB or RGBA, 8 or 16 bits.
struct DecodedPixels: RowSource {
    let width: Int
    let height: Int
    let channels: Int  // 3 or 4
    let bitDepth: Int  // 8 or 16 (big-endian samples)
    let rowBytes: Int
    let base: UnsafeRawPointer
    let byteTable: UnsafeBufferPointer<Float>

    /// Writes `count` pixels of row y from column x as Floats in [0, 1], alpha composited over black.
    func convertRow(_ y: Int, from x: Int, count: Int, into out: UnsafeMutablePointer<Float>) {
        let row = (base + y * rowBytes + x * channels * bitDepth / 8).assumingMemoryBound(to: UInt8.self)
        switch (bitDepth, channels) {
        case (8, 3):
            for i in 0..<(count * 3) { out[i] = byteTable[Int(row[i])] }
        case (8, _):
            for p in 0..<count {
                let alpha = byteTable[Int(row[4 * p + 3])]
                out[3 * p] = byteTable[Int(row[4 * p])] * alpha
                out[3 * p + 1] = byteTable[Int(row[4 * p + 1])] * alpha
                out[3 * p + 2] = byteTable[Int(row[4 * p + 2])] * alpha
            }
        case (_, 3):
            for i in 0..<(count * 3) { out[i] = Self.sample16(row, i) }
        default:
            for p in 0..<count {
                let alpha = Self.sample16(row, 4 * p + 3)
                out[3 * p] = Self.sample16(row, 4 * p) * alpha
                out[3 * p + 1] = Self.sample16(row, 4 * p + 1) * alpha
                out[3 * p + 2] = Self.sample16(row, 4 * p + 2) * alpha
            }
        }
    }

    @inline(__always)
    private static func sample16(_ row: UnsafePointer<UInt8>, _ index: Int) -> Float {
        Float(UInt16(row[2 * index]) << 8 | UInt16(row[2 * index + 1])) / 65535
    }
}

/// Decodes PNG `bytes` (the signature already checked) to rows of 8- or 16-bit RGB(A) and
/// hands them to `body`. The pixel memory is allocated only after the header's dimensions
/// have been checked.
func withDecodedPixels<T>(
    _ bytes: UnsafeRawBufferPointer, maxDimension: Int, _ body: (DecodedPixels) throws -> T
) throws -> T {
    guard let decoder = nvpng_decoder_create(bytes.baseAddress, bytes.count) else {
        throw ImageError(kind: .tooLarge, message: "out of memory before decoding the PNG")
    }
    defer { nvpng_decoder_destroy(decoder) }

    var header = nvpng_header()
    try check(nvpng_decoder_read_header(decoder, &header), decoder, byteCount: bytes.count)
    let width = Int(header.width)
    let height = Int(header.height)
    try checkDimensions(width, height, format: "PNG", maxDimension: maxDimension)
    try check(nvpng_decoder_start_image(decoder, &header), decoder, byteCount: bytes.count)
    let channels = Int(header.channels)
    let bitDepth = Int(header.bit_depth)
    let rowBytes = header.rowbytes
    guard channels == 3 || channels == 4, bitDepth == 8 || bitDepth == 16,
        rowBytes == width * channels * bitDepth / 8
    else {
        throw ImageError(
            kind: .corrupt,
            message: "the PNG decodes to an unexpected layout (\(channels) channels of \(bitDepth) bits)")
    }
    let (byteCount, overflow) = rowBytes.multipliedReportingOverflow(by: height)
    guard !overflow else {
        throw ImageError(kind: .tooLarge, message: "the PNG is \(width)×\(height) pixels; too large to hold in memory")
    }
    let storage = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 16)
    defer { storage.deallocate() }
    try check(nvpng_decoder_read_image(decoder, storage, rowBytes), decoder, byteCount: bytes.count)

    return try unitFromByte.withUnsafeBufferPointer { table in
        try body(
            DecodedPixels(
                width: width, height: height, channels: channels, bitDepth: bitDepth,
                rowBytes: rowBytes, base: UnsafeRawPointer(storage), byteTable: table))
    }
}

/// Refuses what is not a PNG, with the reason; PNG-only callers (the gallery, tests).
private func checkSignature(_ bytes: UnsafeRawBufferPointer) throws {
    switch try sniffFormat(bytes, expected: "a PNG") {
    case .png: return
    case .jpeg:
        throw ImageError(
            kind: .notAnImage, message: "the data is not a PNG (it starts like a JPEG); send a PNG image")
    }
}

private func check(_ code: Int32, _ decoder: UnsafeMutablePointer<nvpng_decoder>, byteCount: Int) throws {
    guard code != Int32(NVPNG_OK) else { return }
    var reason = String(cString: nvpng_decoder_message(decoder))
    let warning = String(cString: nvpng_decoder_warning(decoder))
    if !warning.isEmpty && warning != reason { reason += " (\(warning))" }
    switch code {
    case Int32(NVPNG_TRUNCATED):
        throw ImageError(
            kind: .truncated,
            message:
                "the PNG is truncated: all \(byteCount) bytes were read before the image was complete; the file was cut short"
        )
    case Int32(NVPNG_NO_MEMORY):
        throw ImageError(kind: .tooLarge, message: "out of memory while decoding the PNG")
    default:
        throw ImageError(kind: .corrupt, message: "the PNG is damaged and cannot be decoded: \(reason)")
    }
}
