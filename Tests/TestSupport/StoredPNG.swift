/// PNG files built byte by byte with stored (uncompressed) deflate blocks: any size, colour
/// type and bit depth a test needs, without the encoder under test, and the same number of
/// bytes for the same dimensions whatever the pixels.
public enum StoredPNG {
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Colour types of the PNG header.
    public enum ColourType: UInt8 {
        case grey = 0, rgb = 2, palette = 3, greyAlpha = 4, rgba = 6
    }

    /// A non-interlaced PNG; `row(y)` gives row y's samples packed at `bitDepth` (no filter byte).
    public static func make(
        width: Int, height: Int, bitDepth: UInt8 = 8, colourType: ColourType, palette: [(UInt8, UInt8, UInt8)] = [],
        row: (Int) -> [UInt8]
    ) -> [UInt8] {
        var raw: [UInt8] = []
        raw.reserveCapacity(height * (1 + width * 8))
        for y in 0..<height {
            raw.append(0)
            raw += row(y)
        }
        var png = signature
        png += chunk("IHDR", bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [bitDepth, colourType.rawValue, 0, 0, 0])
        if !palette.isEmpty { png += chunk("PLTE", palette.flatMap { [$0.0, $0.1, $0.2] }) }
        return png + chunk("IDAT", zlibStored(raw)) + chunk("IEND", [])
    }

    /// An 8-bit RGB PNG of one colour.
    public static func solid(width: Int, height: Int, red: UInt8, green: UInt8, blue: UInt8) -> [UInt8] {
        let row = [UInt8]((0..<width).flatMap { _ in [red, green, blue] })
        return make(width: width, height: height, colourType: .rgb) { _ in row }
    }

    public static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
    }

    /// A zlib stream of stored deflate blocks (at most 65,535 bytes each).
    public static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        out.reserveCapacity(data.count + data.count / 65535 * 5 + 16)
        var start = 0
        repeat {
            let end = min(start + 65535, data.count)
            let length = UInt16(end - start)
            out += [end == data.count ? 1 : 0, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
            out += data[start..<end]
            start = end
        } while start < data.count
        // Adler-32, reduced every 5,552 bytes (the most that cannot overflow 32 bits).
        var a: UInt32 = 1, b: UInt32 = 0
        var index = 0
        while index < data.count {
            let end = min(index + 5552, data.count)
            for i in index..<end {
                a &+= UInt32(data[i])
                b &+= a
            }
            a %= 65521
            b %= 65521
            index = end
        }
        return out + bigEndian(b << 16 | a)
    }

    public static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    /// CRC-32 of each byte value, for a byte at a time (an IDAT of 8192 rows is 64 MiB).
    private static let crcTable: [UInt32] = (0..<256).map { (n: UInt32) in
        var c = n
        for _ in 0..<8 { c = c & 1 == 1 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
        return c
    }

    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return ~crc
    }

    /// The offset of the first chunk of `type` (its length field), if any.
    public static func chunkOffset(_ type: String, in png: [UInt8]) -> Int? {
        var offset = 8
        while offset + 8 <= png.count {
            let length = png[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            if String(decoding: png[offset + 4..<offset + 8], as: UTF8.self) == type { return offset }
            offset += 12 + length
        }
        return nil
    }
}
