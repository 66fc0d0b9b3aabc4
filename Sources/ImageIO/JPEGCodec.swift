import CTurboJPEG

/// JPEG decoding and encoding through TurboJPEG (libjpeg-turbo; Sources/CTurboJPEG/shim.h
/// turns its failures into return codes and messages). Decoding is reached through
/// `ImageDecoding`; encoding makes test and benchmark inputs.
public enum JPEGCodec {
    /// How the samples handed to `encode` are laid out.
    public enum Layout: Sendable {
        /// One byte per pixel.
        case grey
        /// Three bytes per pixel, R G B.
        case rgb
        /// Four bytes per pixel, C M Y K as stored (TurboJPEG writes YCCK with an Adobe
        /// marker, so a decoder reads them with Adobe's inverted convention: 255 is no ink).
        case cmyk

        var channels: Int {
            switch self {
            case .grey: return 1
            case .rgb: return 3
            case .cmyk: return 4
            }
        }
    }

    /// Chroma subsampling of colour JPEGs (grey ones have no chroma).
    public enum Subsampling: Sendable {
        case chroma444, chroma422, chroma420
    }

    /// Encodes width×height pixels of `layout` as a baseline (or progressive) JPEG.
    public static func encode(
        _ samples: [UInt8], layout: Layout = .rgb, width: Int, height: Int, quality: Int = 90,
        subsampling: Subsampling = .chroma420, progressive: Bool = false
    ) throws -> [UInt8] {
        guard width > 0, height > 0, width <= 65535, height <= 65535 else {
            throw ImageError(
                kind: .corrupt,
                message: "cannot encode a \(width)×\(height) JPEG; each side must be 1 to 65535 pixels")
        }
        guard samples.count == width * height * layout.channels else {
            throw ImageError(
                kind: .corrupt,
                message:
                    "cannot encode: a \(width)×\(height) image of \(layout.channels) channels needs \(width * height * layout.channels) bytes, got \(samples.count)"
            )
        }
        let format: TJPF
        switch layout {
        case .grey: format = TJPF_GRAY
        case .rgb: format = TJPF_RGB
        case .cmyk: format = TJPF_CMYK
        }
        let sampling: TJSAMP
        switch (layout, subsampling) {
        case (.grey, _): sampling = TJSAMP_GRAY
        case (_, .chroma444): sampling = TJSAMP_444
        case (_, .chroma422): sampling = TJSAMP_422
        case (_, .chroma420): sampling = TJSAMP_420
        }
        var output: UnsafeMutablePointer<UInt8>?
        var outputSize = 0
        var message = [CChar](repeating: 0, count: 256)
        let code = samples.withUnsafeBufferPointer { pixels in
            message.withUnsafeMutableBufferPointer { text in
                nvjpeg_compress(
                    pixels.baseAddress, Int32(width), Int32(height), format.rawValue, Int32(sampling.rawValue),
                    Int32(max(1, min(100, quality))), progressive ? 1 : 0, &output, &outputSize, text.baseAddress,
                    text.count)
            }
        }
        defer { nvjpeg_free(output) }
        guard code == Int32(NVJPEG_OK), let output else {
            throw ImageError(kind: .corrupt, message: "could not encode the JPEG: \(text(message))")
        }
        return Array(UnsafeBufferPointer(start: output, count: outputSize))
    }

    /// An 8-bit RGB JPEG of `image`.
    public static func encode(_ image: RGBImage, quality: Int = 90, subsampling: Subsampling = .chroma420) throws
        -> [UInt8]
    {
        try encode(image.rgb8(), width: image.width, height: image.height, quality: quality, subsampling: subsampling)
    }

    /// DCT scaling factors TurboJPEG decodes at, as (numerator, denominator), none above 1:
    /// up-scaling is left to area averaging.
    static let scalingFactors: [(Int, Int)] = {
        var count: Int32 = 0
        guard let factors = tjGetScalingFactors(&count) else { return [(1, 1)] }
        let all = (0..<Int(count)).map { (Int(factors[$0].num), Int(factors[$0].denom)) }
        let usable = all.filter { $0.0 <= $0.1 }
        return usable.isEmpty ? [(1, 1)] : usable
    }()

    /// TurboJPEG's scaled size (TJSCALED): ⌈dimension × numerator / denominator⌉.
    static func scaled(_ dimension: Int, _ factor: (Int, Int)) -> Int {
        (dimension * factor.0 + factor.1 - 1) / factor.1
    }

    /// The smallest DCT scale at which every `length` becomes at least its `target` pixels
    /// (1/1 when even the full size is smaller), so a large JPEG is decoded no larger than
    /// what the area averaging after it reads.
    static func smallestFactor(for constraints: [(length: Int, target: Int)]) -> (Int, Int) {
        var best = (1, 1)
        for factor in scalingFactors where factor.0 * best.1 < best.0 * factor.1 {
            if constraints.allSatisfy({ $0.length * factor.0 >= $0.target * factor.1 }) { best = factor }
        }
        return best
    }

    /// Decodes JPEG `bytes` (the start already checked) at the smallest DCT scale that
    /// meets `constraints(width, height)`, then calls `body` with the rows, the full size
    /// and the scale factor (decoded pixels per full-size pixel). Pixel memory is
    /// allocated only after the header's dimensions have been checked.
    static func withDecodedRows<T>(
        _ bytes: UnsafeRawBufferPointer, maxDimension: Int,
        constraints: (_ width: Int, _ height: Int) -> [(length: Int, target: Int)],
        _ body: (JPEGRows, _ width: Int, _ height: Int, _ factor: Double) throws -> T
    ) throws -> T {
        guard let handle = nvjpeg_decoder_create() else {
            throw ImageError(kind: .tooLarge, message: "out of memory before decoding the JPEG")
        }
        defer { nvjpeg_destroy(handle) }
        var message = [CChar](repeating: 0, count: 256)
        var header = nvjpeg_header()
        let headerCode = message.withUnsafeMutableBufferPointer {
            nvjpeg_read_header(handle, bytes.baseAddress, bytes.count, &header, $0.baseAddress, $0.count)
        }
        let markers = JPEGMarkers(bytes)
        if headerCode != Int32(NVJPEG_OK) {
            throw failure(headerCode, text(message), markers, byteCount: bytes.count)
        }
        let width = Int(header.width)
        let height = Int(header.height)
        guard width > 0, height > 0 else {
            // TurboJPEG takes data that ends inside the header for tables without an image.
            if markers.endsEarly {
                throw failure(Int32(NVJPEG_ERROR), "no frame header", markers, byteCount: bytes.count)
            }
            throw ImageError(
                kind: .corrupt, message: "the JPEG is damaged: its frame header says \(width)×\(height) pixels")
        }
        try checkDimensions(width, height, format: "JPEG", maxDimension: maxDimension)

        let colour: JPEGRows.Colour
        let format: TJPF
        switch TJCS(rawValue: UInt32(bitPattern: header.colorspace)) {
        case TJCS_GRAY:
            (colour, format) = (.grey, TJPF_GRAY)
        case TJCS_CMYK, TJCS_YCCK:
            (colour, format) = (markers.adobe ? .invertedCMYK : .cmyk, TJPF_CMYK)
        default:
            (colour, format) = (.rgb, TJPF_RGB)
        }
        let factor = smallestFactor(for: constraints(width, height))
        let scaledWidth = scaled(width, factor)
        let scaledHeight = scaled(height, factor)
        let pitch = scaledWidth * colour.channels
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(pitch * scaledHeight, 1), alignment: 16)
        defer { storage.deallocate() }
        let code = message.withUnsafeMutableBufferPointer {
            nvjpeg_decompress(
                handle, bytes.baseAddress, bytes.count, storage, Int32(scaledWidth), Int32(pitch),
                Int32(scaledHeight), format.rawValue, $0.baseAddress, $0.count)
        }
        if code != Int32(NVJPEG_OK) { throw failure(code, text(message), markers, byteCount: bytes.count) }
        return try unitFromByte.withUnsafeBufferPointer { table in
            try body(
                JPEGRows(
                    width: scaledWidth, height: scaledHeight, colour: colour, pitch: pitch,
                    base: UnsafeRawPointer(storage), byteTable: table),
                width, height, Double(factor.0) / Double(factor.1))
        }
    }

    /// A refusal from TurboJPEG as an ImageError: truncated when the data ends before its
    /// end-of-image marker, else corrupt.
    private static func failure(_ code: Int32, _ reason: String, _ markers: JPEGMarkers, byteCount: Int) -> ImageError {
        if code == Int32(NVJPEG_NO_MEMORY) {
            return ImageError(kind: .tooLarge, message: "out of memory while decoding the JPEG")
        }
        if markers.endsEarly {
            return ImageError(
                kind: .truncated,
                message:
                    "the JPEG is truncated: all \(byteCount) bytes were read before the image was complete (\(reason)); the file was cut short"
            )
        }
        return ImageError(kind: .corrupt, message: "the JPEG is damaged and cannot be decoded: \(reason)")
    }
}

/// What a JPEG's marker segments say that TurboJPEG does not: whether an Adobe APP14
/// segment is present (Adobe's CMYK is stored inverted), and whether the data ends before
/// the end-of-image marker.
struct JPEGMarkers {
    private(set) var adobe = false
    /// The data ends inside the header segments, or no end-of-image marker follows the
    /// first scan (0xFF 0xD9 cannot occur inside entropy-coded data, where 0xFF is stuffed).
    private(set) var endsEarly = false

    init(_ bytes: UnsafeRawBufferPointer) {
        let count = bytes.count
        var i = 2  // after the start-of-image marker
        while true {
            guard i < count else {
                endsEarly = true
                return
            }
            // A byte that starts no marker: damage for TurboJPEG to name.
            guard bytes[i] == 0xFF else { return }
            while i < count && bytes[i] == 0xFF { i += 1 }  // fill bytes
            guard i < count else {
                endsEarly = true
                return
            }
            let marker = bytes[i]
            i += 1
            if marker == 0x01 || marker == 0xD8 || (0xD0...0xD7).contains(marker) { continue }  // no length
            if marker == 0xD9 { return }  // an end before any scan: damage, not truncation
            guard i + 2 <= count else {
                endsEarly = true
                return
            }
            let length = Int(bytes[i]) << 8 | Int(bytes[i + 1])
            guard length >= 2 else { return }
            guard i + length <= count else {
                endsEarly = true
                return
            }
            if marker == 0xEE && length >= 7 && Array(bytes[(i + 2)..<(i + 7)]) == Array("Adobe".utf8) { adobe = true }
            i += length
            if marker == 0xDA { break }  // start of scan: the entropy-coded data follows
        }
        var sawEnd = false
        while i + 1 < count {
            if bytes[i] == 0xFF && bytes[i + 1] == 0xD9 {
                sawEnd = true
                break
            }
            i += 1
        }
        endsEarly = !sawEnd
    }
}

/// A TurboJPEG decode, 1, 3 or 4 bytes per pixel, read as RGB Floats.
struct JPEGRows: RowSource {
    enum Colour {
        case grey, rgb
        /// CMYK as ink amounts: 0 is none.
        case cmyk
        /// Adobe's convention (an APP14 segment is present): 255 is no ink.
        case invertedCMYK

        var channels: Int {
            switch self {
            case .grey: return 1
            case .rgb: return 3
            case .cmyk, .invertedCMYK: return 4
            }
        }
    }

    let width: Int
    let height: Int
    let colour: Colour
    let pitch: Int
    let base: UnsafeRawPointer
    let byteTable: UnsafeBufferPointer<Float>

    func convertRow(_ y: Int, from x: Int, count: Int, into out: UnsafeMutablePointer<Float>) {
        let row = (base + y * pitch + x * colour.channels).assumingMemoryBound(to: UInt8.self)
        switch colour {
        case .grey:
            for i in 0..<count {
                let value = byteTable[Int(row[i])]
                out[3 * i] = value
                out[3 * i + 1] = value
                out[3 * i + 2] = value
            }
        case .rgb:
            for i in 0..<(count * 3) { out[i] = byteTable[Int(row[i])] }
        case .cmyk, .invertedCMYK:
            // No colour management: each of R, G, B is what the ink and the black leave of
            // white, (1 − C)(1 − K) and so on.
            let flip = colour == .cmyk ? 255 : 0
            for i in 0..<count {
                let black = byteTable[Int(row[4 * i + 3]) ^ flip]
                out[3 * i] = byteTable[Int(row[4 * i]) ^ flip] * black
                out[3 * i + 1] = byteTable[Int(row[4 * i + 1]) ^ flip] * black
                out[3 * i + 2] = byteTable[Int(row[4 * i + 2]) ^ flip] * black
            }
        }
    }
}

/// A C message buffer as a String.
func text(_ message: [CChar]) -> String {
    String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
