import Foundation
import ImageIO
import Datasets

/// PNG bodies for uploads: canonical renders, and broken ones.
enum PNGs {
    /// Uploads every image endpoint refuses, with the status it answers: (name, Content-Type, body, status).
    static var badUploads: [(String, String?, [UInt8], Int)] {
        [
            ("not a PNG", "image/png", Array("GIF89a, honestly".utf8), 415),
            ("empty", "image/png", [], 400),
            ("truncated", "image/png", truncated(), 400),
            ("corrupt CRC", "image/png", corruptCRC(), 400),
            ("huge dimensions", "image/png", header(claimingSide: 5000), 413),
            ("wrong content type", "application/json", canonical(0), 415),
            ("missing content type", nil, canonical(0), 415),
            ("multipart without boundary", "multipart/form-data", canonical(0), 400),
        ]
    }

    static func canonical(_ id: Int) -> [UInt8] {
        (try? PNGCodec.encode(Renderer.canonical(id))) ?? []
    }

    /// The PNG cut off in the middle of its data.
    static func truncated() -> [UInt8] {
        let bytes = canonical(109)
        return Array(bytes.prefix(bytes.count / 2))
    }

    /// A byte of the first IDAT chunk's data flipped, so its CRC no longer matches.
    static func corruptCRC() -> [UInt8] {
        var bytes = canonical(109)
        if let idat = find(Array("IDAT".utf8), in: bytes) { bytes[idat + 6] ^= 0xFF }
        return bytes
    }

    /// A valid signature and IHDR claiming `side`×`side` pixels, then a token IDAT: a
    /// decoder must refuse it from the header, before allocating anything.
    static func header(claimingSide side: UInt32) -> [UInt8] {
        var ihdr = Array("IHDR".utf8)
        ihdr += bigEndian(side) + bigEndian(side) + [8, 2, 0, 0, 0]
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        bytes += bigEndian(13) + ihdr + bigEndian(crc32(ihdr))
        let idat = Array("IDAT".utf8) + [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]
        bytes += bigEndian(UInt32(idat.count - 4)) + idat + bigEndian(crc32(idat))
        let iend = Array("IEND".utf8)
        bytes += bigEndian(0) + iend + bigEndian(crc32(iend))
        return bytes
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
