import Foundation
import ImageIO
import TestSupport
import XCTest

@testable import Datasets

/// Image files a dataset may hold: every one that decodes becomes a 32×32 input, every one
/// that does not is one report line saying why, and loading goes on.
final class ImageFileTests: XCTestCase {
    /// A folder of two good images plus `name` with `bytes`, each captioned.
    func open(_ name: String, _ bytes: [UInt8]) throws -> (Scratch, FileDataset) {
        let scratch = try Scratch()
        try scratch.image("set/good-1.png", captions: ["a square"])
        try scratch.image("set/good-2.png", captions: ["another square"])
        try scratch.write("set/\(name)", bytes)
        try scratch.write("set/\((name as NSString).deletingPathExtension).txt", text: "the odd one\n")
        return (scratch, try scratch.open("folder:\(scratch.path("set"))"))
    }

    func testATruncatedImageIsSkippedWithTheReason() throws {
        let whole = StoredPNG.solid(width: 8, height: 8, red: 10, green: 20, blue: 30)
        let (_, dataset) = try open("cut.png", Array(whole.prefix(100)))
        XCTAssertEqual(
            dataset.reportLines,
            [
                "cut.png: the PNG is truncated: all 100 bytes were read before the image was complete; the file was cut short"
            ])
        XCTAssertEqual(dataset.count, 2)
        XCTAssertEqual(dataset.report.skipped, 1)
    }

    func testACorruptImageIsSkippedWithTheReason() throws {
        let whole = StoredPNG.solid(width: 8, height: 8, red: 10, green: 20, blue: 30)
        let idat = try XCTUnwrap(StoredPNG.chunkOffset("IDAT", in: whole))
        let length = whole[idat..<idat + 4].reduce(0) { $0 << 8 | Int($1) }
        var badCRC = whole
        badCRC[idat + 8 + length] ^= 0xFF  // the chunk's CRC
        var badData = whole
        badData[idat + 8 + 20] ^= 0xFF  // a pixel byte, and the chunk's CRC put right: zlib's checksum fails
        badData.replaceSubrange(
            (idat + 8 + length)..<(idat + 12 + length),
            with: StoredPNG.bigEndian(StoredPNG.crc32(Array(badData[(idat + 4)..<(idat + 8 + length)]))))
        let (_, crc) = try open("crc.png", badCRC)
        XCTAssertEqual(crc.reportLines, ["crc.png: the PNG is damaged and cannot be decoded: IDAT: CRC error"])
        XCTAssertEqual(crc.count, 2)
        let (_, data) = try open("data.png", badData)
        XCTAssertEqual(data.reportLines, ["data.png: the PNG is damaged and cannot be decoded: IDAT: incorrect data check"])
    }

    /// JPEG files list beside PNGs; a cut one is skipped with the reason.
    func testJPEGFilesDecodeAndACutOneIsSkipped() throws {
        let grey = RGBImage(width: 16, height: 16, pixels: [Float](repeating: 0.5, count: 16 * 16 * 3))
        let jpeg = try JPEGCodec.encode(grey, quality: 95)
        let (scratch, dataset) = try open("whole.jpg", jpeg)
        XCTAssertEqual(dataset.reportLines, [])
        let id = try XCTUnwrap(dataset.ids.first { dataset.fileName(of: $0) == "whole.jpg" })
        for value in dataset.galleryImage(id).pixels { XCTAssertEqual(value, 0.5, accuracy: 2 / 255) }
        try scratch.write("set/cut.jpeg", Array(jpeg.prefix(jpeg.count / 2)))
        try scratch.write("set/cut.txt", text: "half a picture\n")
        let again = try scratch.open("folder:\(scratch.path("set"))")
        XCTAssertEqual(again.count, 3)
        XCTAssertEqual(
            again.reportLines,
            [
                "cut.jpeg: the JPEG is truncated: all \(jpeg.count / 2) bytes were read before the image was complete "
                    + "(Invalid JPEG file structure: missing SOS marker); the file was cut short"
            ])
    }

    func testFilesThatAreNotImagesAreSkippedWithTheReason() throws {
        let (_, text) = try open("notes.png", Array("just some notes\n".utf8))
        XCTAssertEqual(
            text.reportLines,
            ["notes.png: the data is not a PNG or JPEG image (it starts with the bytes 6A 75 73 74); send a PNG or JPEG image"])
        let (_, empty) = try open("empty.png", [])
        XCTAssertEqual(empty.reportLines, ["empty.png: no image data was given (0 bytes); expected a PNG or JPEG file"])
    }

    func testAFolderNamedLikeAnImageIsSkippedAsAFolder() throws {
        let scratch = try Scratch()
        try scratch.image("set/good-1.png", captions: ["a square"])
        try scratch.image("set/good-2.png", captions: ["another square"])
        try scratch.write("set/album.png/inside.txt", text: "not an image\n")
        try scratch.write("set/album.txt", text: "an album\n")
        let dataset = try scratch.open("folder:\(scratch.path("set"))")
        XCTAssertEqual(dataset.reportLines, ["album.png: is a folder, not an image file"])
    }

    /// A header that claims more pixels than accepted is refused before anything is allocated.
    func testAnImageThatClaimsTooManyPixelsIsSkipped() throws {
        var bytes = StoredPNG.signature
        bytes += StoredPNG.chunk("IHDR", StoredPNG.bigEndian(100_000) + StoredPNG.bigEndian(100_000) + [8, 2, 0, 0, 0])
        bytes += StoredPNG.chunk("IDAT", [0x78, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01])
        bytes += StoredPNG.chunk("IEND", [])
        let (_, dataset) = try open("bomb.png", bytes)
        XCTAssertEqual(dataset.reportLines, ["bomb.png: the PNG is 100000×100000 pixels; at most 8192×8192 is accepted"])
    }

    func testAOnePixelImageFillsTheInput() throws {
        let (_, dataset) = try open("dot.png", StoredPNG.solid(width: 1, height: 1, red: 255, green: 51, blue: 0))
        XCTAssertEqual(dataset.reportLines, [])
        let id = try XCTUnwrap(dataset.ids.first { dataset.fileName(of: $0) == "dot.png" })
        let input = dataset.galleryImage(id)
        XCTAssertEqual(input.width, 32)
        XCTAssertEqual(input.height, 32)
        for pixel in stride(from: 0, to: input.pixels.count, by: 3) {
            XCTAssertEqual(Array(input.pixels[pixel..<pixel + 3]), [1, 0.2, 0])
        }
    }

    /// 16-bit grey: 0x8000 of 0xFFFF is 128 of 255 once cached as 8 bits.
    func testSixteenBitImagesDecode() throws {
        let png = StoredPNG.make(width: 8, height: 8, bitDepth: 16, colourType: .grey) { _ in
            [UInt8]((0..<8).flatMap { _ in [0x80, 0x00] })
        }
        let (_, dataset) = try open("deep.png", png)
        XCTAssertEqual(dataset.reportLines, [])
        let id = try XCTUnwrap(dataset.ids.first { dataset.fileName(of: $0) == "deep.png" })
        XCTAssertEqual(Set(dataset.galleryImage(id).pixels), [Float(128) / 255])
    }

    /// A 2-bit palette image: the left half colour 1, the right half colour 2.
    func testPaletteImagesDecode() throws {
        let palette: [(UInt8, UInt8, UInt8)] = [(0, 0, 0), (255, 0, 0), (0, 0, 255)]
        // 32 pixels of 2 bits a row: 16 of index 1 (0b01) then 16 of index 2 (0b10).
        let row: [UInt8] = Array(repeating: 0b0101_0101, count: 4) + Array(repeating: 0b1010_1010, count: 4)
        let png = StoredPNG.make(width: 32, height: 32, bitDepth: 2, colourType: .palette, palette: palette) { _ in row }
        let (_, dataset) = try open("palette.png", png)
        XCTAssertEqual(dataset.reportLines, [])
        let id = try XCTUnwrap(dataset.ids.first { dataset.fileName(of: $0) == "palette.png" })
        let input = dataset.galleryImage(id)
        for y in [0, 31] {
            XCTAssertEqual(Array(input.pixels[(y * 32) * 3..<(y * 32) * 3 + 3]), [1, 0, 0])
            XCTAssertEqual(Array(input.pixels[(y * 32 + 31) * 3..<(y * 32 + 31) * 3 + 3]), [0, 0, 1])
        }
    }

    /// The largest accepted image, 8192×8192: the left half white, the right half black,
    /// averaged down to 32×32 (and never held whole as floats).
    func testAnImageOf8192PixelsASideDecodes() throws {
        let side = 8192
        let row = [UInt8](repeating: 255, count: side / 2) + [UInt8](repeating: 0, count: side / 2)
        let png = StoredPNG.make(width: side, height: side, colourType: .grey) { _ in row }
        let (_, dataset) = try open("large.png", png)
        XCTAssertEqual(dataset.reportLines, [])
        let id = try XCTUnwrap(dataset.ids.first { dataset.fileName(of: $0) == "large.png" })
        let input = dataset.galleryImage(id)
        XCTAssertEqual(input.pixels[0], 1)
        XCTAssertEqual(input.pixels[31 * 3], 0)
    }
}
