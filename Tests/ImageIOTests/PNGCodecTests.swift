import Foundation
import NanoTensor
import TestSupport
import XCTest

@testable import ImageIO

final class PNGCodecTests: XCTestCase {
    // MARK: Round trips and sizes

    func testEncodeDecodeRoundTripIsExactFor8Bit() throws {
        let width = 37, height = 23
        let bytes = randomBytes(width * height * 3, seed: 3)
        let png = try PNGCodec.encode(rgb8: bytes, width: width, height: height)
        XCTAssertEqual(Array(png.prefix(8)), TestPNG.signature)
        let image = try PNGCodec.decode(png)
        XCTAssertEqual(image.width, width)
        XCTAssertEqual(image.height, height)
        XCTAssertEqual(image.rgb8(), bytes)
        XCTAssertEqual(image.pixels, bytes.map { Float($0) / 255 })
        // And an image that is already 8-bit survives encode(image) unchanged.
        XCTAssertEqual(try PNGCodec.decode(try PNGCodec.encode(image)), image)
    }

    func testDecodeFromRawBufferMatchesArray() throws {
        let png = try PNGCodec.encode(rgb8: [10, 20, 30, 40, 50, 60], width: 2, height: 1)
        let fromBuffer = try png.withUnsafeBytes { try PNGCodec.decode($0) }
        XCTAssertEqual(fromBuffer, try PNGCodec.decode(png))
    }

    func testOneByOne() throws {
        let image = try PNGCodec.decode(try PNGCodec.encode(rgb8: [255, 0, 51], width: 1, height: 1))
        XCTAssertEqual(image.width, 1)
        XCTAssertEqual(image.height, 1)
        XCTAssertEqual(image.pixels, [1, 0, 0.2])
    }

    func testLargeWideImageAtTheLimit() throws {
        let width = PNGCodec.maxDimension
        let bytes = (0..<(width * 3)).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let image = try PNGCodec.decode(try PNGCodec.encode(rgb8: bytes, width: width, height: 1))
        XCTAssertEqual(image.width, 4096)
        XCTAssertEqual(image.height, 1)
        XCTAssertEqual(image.rgb8(), bytes)
        // One column more is refused.
        let tooWide = try PNGCodec.encode(rgb8: [UInt8](repeating: 0, count: (width + 1) * 3), width: width + 1, height: 1)
        XCTAssertThrowsError(try PNGCodec.decode(tooWide)) { XCTAssertEqual(kind($0), .tooLarge) }
    }

    func testEncodeRejectsMismatchedPixelCount() {
        XCTAssertThrowsError(try PNGCodec.encode(rgb8: [1, 2, 3], width: 2, height: 1)) { error in
            XCTAssertTrue(String(describing: error).contains("needs 6 bytes, got 3"), "\(error)")
        }
        XCTAssertThrowsError(try PNGCodec.encode(rgb8: [], width: 0, height: 1))
    }

    // MARK: Colour types, bit depths, interlacing

    func testEveryColourTypeAndBitDepthMatchesAnIndependentWriter() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("nanovlm-png-fixtures-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("png_fixtures.py").path
        try requirePython(modules: ["zlib"], install: "apt-get install python3")
        try runPython([script, directory.path], requireSuccess: true)

        let manifest = try String(contentsOf: directory.appendingPathComponent("manifest.txt"), encoding: .utf8)
        let entries = manifest.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertGreaterThanOrEqual(entries.count, 25)
        for entry in entries {
            let name = entry[0]
            let png = try [UInt8](Data(contentsOf: directory.appendingPathComponent(name + ".png")))
            let expectedData = try Data(contentsOf: directory.appendingPathComponent(name + ".f32"))
            let expected = expectedData.withUnsafeBytes { raw in
                (0..<(raw.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            }
            let image: RGBImage
            do {
                image = try PNGCodec.decode(png)
            } catch {
                XCTFail("\(name): \(error)")
                continue
            }
            XCTAssertEqual(image.width, Int(entry[1]), name)
            XCTAssertEqual(image.height, Int(entry[2]), name)
            XCTAssertEqual(image.pixels.count, expected.count, name)
            let worst = zip(image.pixels, expected).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-6, "\(name): largest difference \(worst)")
        }
    }

    func testGray1BitAndPaletteByHand() throws {
        // 1-bit gray 10×1: 1010 0000 11 → white, black, white, black, ..., white, white.
        let gray = TestPNG.make(width: 10, height: 1, bitDepth: 1, colourType: 0, rows: [[0b1010_0000, 0b1100_0000]])
        let grayImage = try PNGCodec.decode(gray)
        let expectedGray: [Float] = [1, 0, 1, 0, 0, 0, 0, 0, 1, 1]
        XCTAssertEqual(grayImage.pixels, expectedGray.flatMap { [$0, $0, $0] })

        // 2-bit palette with tRNS: index 1 is half-transparent green.
        let palette = TestPNG.chunk("PLTE", [255, 0, 0, 0, 255, 0, 0, 0, 255])
        let trns = TestPNG.chunk("tRNS", [255, 0x80])
        let indexed = TestPNG.make(
            width: 3, height: 1, bitDepth: 2, colourType: 3, rows: [[0b0001_1000]], extraChunks: [palette, trns])
        let image = try PNGCodec.decode(indexed)
        XCTAssertEqual(image.pixels[0...2], [1, 0, 0])
        XCTAssertEqual(image.pixels[3], 0)
        XCTAssertEqual(image.pixels[4], Float(0x80) / 255, accuracy: 1e-6)
        XCTAssertEqual(image.pixels[6...8], [0, 0, 1])
    }

    func testSixteenBitKeepsPrecision() throws {
        // 16-bit gray 0x8000: 32768/65535, which 8-bit decoding could not give.
        let png = TestPNG.make(width: 1, height: 1, bitDepth: 16, colourType: 0, rows: [[0x80, 0x00]])
        XCTAssertEqual(try PNGCodec.decode(png).pixels[0], Float(32768) / 65535, accuracy: 1e-7)
    }

    func testAlphaIsCompositedOverBlack() throws {
        // RGBA 8: opaque white, 50 % red, fully transparent white.
        let rgba = TestPNG.make(
            width: 3, height: 1, bitDepth: 8, colourType: 6,
            rows: [[255, 255, 255, 255, 255, 0, 0, 128, 255, 255, 255, 0]])
        let image = try PNGCodec.decode(rgba)
        XCTAssertEqual(Array(image.pixels[0..<3]), [1, 1, 1])
        XCTAssertEqual(image.pixels[3], 0.5, accuracy: 1.0 / 255)
        XCTAssertEqual(image.pixels[4], 0)
        XCTAssertEqual(image.pixels[5], 0)
        XCTAssertEqual(Array(image.pixels[6..<9]), [0, 0, 0])

        // Gray+alpha 16: white at alpha 0x4000.
        let grayAlpha = TestPNG.make(width: 1, height: 1, bitDepth: 16, colourType: 4, rows: [[0xFF, 0xFF, 0x40, 0x00]])
        XCTAssertEqual(try PNGCodec.decode(grayAlpha).pixels[0], Float(0x4000) / 65535, accuracy: 1e-6)
    }

    // MARK: Errors

    func testEmptyBytes() {
        XCTAssertThrowsError(try PNGCodec.decode([UInt8]())) { error in
            XCTAssertEqual(kind(error), .empty)
            XCTAssertTrue(String(describing: error).contains("0 bytes"), "\(error)")
        }
    }

    func testNotAPNG() {
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 0x4A, 0x46, 0x49, 0x46]
        XCTAssertThrowsError(try PNGCodec.decode(jpeg)) { error in
            XCTAssertEqual(kind(error), .notAnImage)
            XCTAssertTrue(String(describing: error).contains("JPEG"), "\(error)")
        }
        XCTAssertThrowsError(try PNGCodec.decode(Array("hello, world".utf8))) { XCTAssertEqual(kind($0), .notAnImage) }
        XCTAssertThrowsError(try PNGCodec.decode([0x89])) { XCTAssertEqual(kind($0), .truncated) }
    }

    func testTruncatedAtManyPoints() throws {
        let bytes = (0..<(20 * 20 * 3)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let png = try PNGCodec.encode(rgb8: bytes, width: 20, height: 20)
        let idat = try XCTUnwrap(TestPNG.chunks(of: png).first { $0.type == "IDAT" })
        let cuts = [4, 8, 12, 20, 33, 37, 41, idat.offset + 8 + idat.length / 2, idat.offset + 8 + idat.length, png.count - 12, png.count - 1]
        for cut in cuts {
            XCTAssertThrowsError(try PNGCodec.decode(Array(png.prefix(cut))), "cut at \(cut)") { error in
                let kind = kind(error)
                XCTAssertTrue(kind == .truncated || kind == .corrupt, "cut at \(cut): \(error)")
                XCTAssertFalse(String(describing: error).isEmpty)
            }
        }
        // Cut inside the image data: reported as truncated, saying so.
        XCTAssertThrowsError(try PNGCodec.decode(Array(png.prefix(idat.offset + 8 + idat.length / 2)))) { error in
            XCTAssertEqual(kind(error), .truncated)
            XCTAssertTrue(String(describing: error).contains("cut short"), "\(error)")
        }
    }

    func testFlippedCRCByteIsCorrupt() throws {
        let png = try PNGCodec.encode(rgb8: [1, 2, 3, 4, 5, 6], width: 2, height: 1)
        for chunk in TestPNG.chunks(of: png) {
            var damaged = png
            damaged[chunk.offset + 8 + chunk.length] ^= 0x01  // first CRC byte
            XCTAssertThrowsError(try PNGCodec.decode(damaged), chunk.type) { error in
                XCTAssertEqual(kind(error), .corrupt, "\(chunk.type): \(error)")
                XCTAssertTrue(String(describing: error).lowercased().contains("crc"), "\(chunk.type): \(error)")
            }
        }
    }

    func testBadCRCInAncillaryChunkIsAnErrorToo() {
        var text = TestPNG.chunk("tEXt", Array("Comment\0hello".utf8))
        text[text.count - 1] ^= 0xFF
        let png = TestPNG.make(width: 1, height: 1, bitDepth: 8, colourType: 2, rows: [[1, 2, 3]], extraChunks: [text])
        XCTAssertThrowsError(try PNGCodec.decode(png)) { XCTAssertEqual(kind($0), .corrupt, "\($0)") }
    }

    func testFlippedDataByteIsCorrupt() throws {
        let png = TestPNG.make(width: 2, height: 1, bitDepth: 8, colourType: 2, rows: [[1, 2, 3, 4, 5, 6]])
        let idat = try XCTUnwrap(TestPNG.chunks(of: png).first { $0.type == "IDAT" })
        var damaged = png
        // Change the stored block's length, then repair the chunk CRC so only zlib can notice.
        damaged[idat.offset + 8 + 3] ^= 0x01
        let body = Array(damaged[(idat.offset + 4)..<(idat.offset + 8 + idat.length)])
        damaged.replaceSubrange((idat.offset + 8 + idat.length)..<(idat.offset + 12 + idat.length), with: TestPNG.bigEndian(TestPNG.crc32(body)))
        XCTAssertThrowsError(try PNGCodec.decode(damaged)) { XCTAssertEqual(kind($0), .corrupt, "\($0)") }
    }

    func testHugeHeaderIsRefusedBeforeAllocating() {
        // No image data at all follows: decoding any further would fail as truncated/corrupt,
        // so .tooLarge shows the size was judged from the header alone.
        for (width, height) in [(5000, 5000), (100_000, 1), (1, 100_000), (0x7FFF_FFFF, 0x7FFF_FFFF)] {
            let png = TestPNG.signature + TestPNG.ihdr(width: UInt32(width), height: UInt32(height))
                + TestPNG.chunk("IDAT", TestPNG.zlibStored([0]))
            XCTAssertThrowsError(try PNGCodec.decode(png), "\(width)×\(height)") { error in
                XCTAssertEqual(kind(error), .tooLarge)
                XCTAssertTrue(String(describing: error).contains("\(width)×\(height)"), "\(error)")
                XCTAssertTrue(String(describing: error).contains("4096×4096"), "\(error)")
            }
        }
        let png = TestPNG.signature + TestPNG.ihdr(width: 64, height: 64) + TestPNG.chunk("IDAT", TestPNG.zlibStored([0]))
        XCTAssertThrowsError(try PNGCodec.decode(png, maxDimension: 32)) { error in
            XCTAssertEqual(String(describing: error), "the PNG is 64×64 pixels; at most 32×32 is accepted")
        }
    }

    func testZeroWidthOrBadHeaderIsCorrupt() {
        let zeroWidth = TestPNG.signature + TestPNG.ihdr(width: 0, height: 10) + TestPNG.chunk("IEND", [])
        XCTAssertThrowsError(try PNGCodec.decode(zeroWidth)) { error in
            XCTAssertEqual(kind(error), .corrupt)
            XCTAssertTrue(String(describing: error).contains("width"), "\(error)")
        }
        let badDepth = TestPNG.signature + TestPNG.ihdr(width: 1, height: 1, bitDepth: 3, colourType: 2)
        XCTAssertThrowsError(try PNGCodec.decode(badDepth)) { XCTAssertEqual(kind($0), .corrupt) }
        let noHeader = TestPNG.signature + TestPNG.chunk("IEND", [])
        XCTAssertThrowsError(try PNGCodec.decode(noHeader)) { XCTAssertEqual(kind($0), .corrupt) }
    }

    func testRandomDamageNeverCrashes() throws {
        let bytes = (0..<(16 * 16 * 3)).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let png = try PNGCodec.encode(rgb8: bytes, width: 16, height: 16)
        var generator = SeededRandom(seed: 7)
        for _ in 0..<500 {
            var damaged = png
            for _ in 0..<Int(generator.next() % 4 + 1) {
                damaged[Int(generator.next() % UInt64(damaged.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
            if let image = try? PNGCodec.decode(damaged) {
                XCTAssertTrue(image.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
            }
        }
    }

    // MARK: decodeForModel

    func testDecodeForModelMatchesDecodeThenResize() throws {
        for (width, height) in [(64, 64), (100, 37), (32, 32), (5, 3), (1, 1)] {
            let bytes = (0..<(width * height * 3)).map { UInt8(truncatingIfNeeded: $0 &* 17 &+ $0 / 7) }
            let png = try PNGCodec.encode(rgb8: bytes, width: width, height: height)
            let viaModel = try PNGCodec.decodeForModel(png)
            XCTAssertEqual(viaModel.width, 32)
            XCTAssertEqual(viaModel.height, 32)
            XCTAssertEqual(viaModel, areaResize(try PNGCodec.decode(png), width: 32, height: 32), "\(width)×\(height)")
        }
        let alpha = TestPNG.make(width: 2, height: 1, bitDepth: 8, colourType: 6, rows: [[255, 0, 0, 255, 0, 0, 255, 0]])
        XCTAssertEqual(try PNGCodec.decodeForModel(alpha, side: 1).pixels, [0.5, 0, 0])
        XCTAssertThrowsError(try PNGCodec.decodeForModel([])) { XCTAssertEqual(kind($0), .empty) }
    }
}

func kind(_ error: Error) -> ImageError.Kind? { (error as? ImageError)?.kind }
