import Foundation
import NanoTensor
import TestSupport
import XCTest

@testable import ImageIO

/// JPEGs written by Pillow, decoded here and compared with Pillow's own decode; damaged,
/// huge and mislabelled files; the DCT scale chosen for large ones.
final class JPEGDecodingTests: XCTestCase {
    /// Pillow's wheel bundles another libjpeg-turbo release than Debian's; both run the
    /// same integer IDCT and upsampling, and were measured to agree exactly (the largest
    /// difference, 2.8e-6, is Float rounding in the averages). One 8-bit step is allowed.
    static let fullScaleTolerance: Float = 1 / 255
    /// Decodes at a reduced DCT scale against the exact area average of a full-scale decode:
    /// the scaled IDCT keeps only each block's low frequencies, and at 1/8 libjpeg-turbo
    /// replicates 4:2:2 chroma instead of interpolating it (Pillow's own 1/8 decode of the
    /// rgb422 fixture is as far off: 0.205 at the disc's edge, 0.056 on average).
    static let scaledMeanTolerance: Float = 0.06

    /// The fixtures, written once per test run.
    nonisolated(unsafe) static var fixtures: URL?

    func fixtureDirectory() throws -> URL {
        if let directory = Self.fixtures { return directory }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("nanovlm-jpeg-fixtures-\(UUID().uuidString)")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("jpeg_fixtures.py").path
        try requirePython(modules: ["numpy", "PIL"], install: "pip install -r scripts/requirements-test.txt")
        try runPython([script, directory.path], requireSuccess: true)
        Self.fixtures = directory
        return directory
    }

    override class func tearDown() {
        if let fixtures { try? FileManager.default.removeItem(at: fixtures) }
        super.tearDown()
    }

    func bytes(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: try fixtureDirectory().appendingPathComponent(name)))
    }

    func floats(_ name: String) throws -> [Float] {
        let data = try Data(contentsOf: try fixtureDirectory().appendingPathComponent(name))
        return data.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
            }
        }
    }

    struct Fixture {
        let name: String
        let width: Int
        let height: Int
        let full: Bool
        let sides: [Int]
    }

    func manifest() throws -> [Fixture] {
        let text = try String(contentsOf: try fixtureDirectory().appendingPathComponent("manifest.txt"), encoding: .utf8)
        return text.split(separator: "\n").map { line in
            let words = line.split(separator: " ").map(String.init)
            return Fixture(
                name: words[0], width: Int(words[1]) ?? 0, height: Int(words[2]) ?? 0, full: words[3] == "1",
                sides: words[4...].compactMap { Int($0) })
        }
    }

    /// (largest, mean) absolute difference.
    func difference(_ a: [Float], _ b: [Float]) -> (max: Float, mean: Float) {
        let differences = zip(a, b).map { abs($0 - $1) }
        return (differences.max() ?? 0, differences.reduce(0, +) / Float(max(differences.count, 1)))
    }

    // MARK: Against Pillow

    func testEveryFixtureDecodesAsPillowDoes() throws {
        let fixtures = try manifest()
        XCTAssertEqual(fixtures.count, 12)
        for fixture in fixtures {
            let jpeg = try bytes(fixture.name + ".jpg")
            XCTAssertEqual(ImageDecoding.format(of: jpeg), .jpeg, fixture.name)
            if fixture.full {
                // Largest side allowed = the image's: decoded at full scale, no resampling.
                let image = try ImageDecoding.decodeForDisplay(jpeg, maxSide: max(fixture.width, fixture.height))
                XCTAssertEqual(image.width, fixture.width, fixture.name)
                XCTAssertEqual(image.height, fixture.height, fixture.name)
                let expected = try floats(fixture.name + ".f32")
                XCTAssertEqual(image.pixels.count, expected.count, fixture.name)
                let worst = difference(image.pixels, expected).max
                XCTAssertLessThanOrEqual(worst, Self.fullScaleTolerance, "\(fixture.name): largest difference \(worst)")
            }
            for side in fixture.sides {
                for crop in ImageCrop.allCases {
                    let label = "\(fixture.name) → \(side)×\(side), crop \(crop)"
                    let image = try ImageDecoding.decodeForModel(jpeg, side: side, crop: crop)
                    XCTAssertEqual(image.width, side, label)
                    XCTAssertEqual(image.height, side, label)
                    let expected = try floats("\(fixture.name).\(side).\(crop.rawValue).f32")
                    XCTAssertEqual(image.pixels.count, expected.count, label)
                    // Against the same average of Pillow's decode at the scale that must be chosen.
                    let scaled = try floats("\(fixture.name).\(side).\(crop.rawValue).scaled.f32")
                    let worst = difference(image.pixels, scaled).max
                    XCTAssertLessThanOrEqual(worst, Self.fullScaleTolerance, "\(label): largest difference \(worst)")
                    let shortSide = min(fixture.width, fixture.height)
                    let mean = difference(image.pixels, expected).mean
                    if JPEGCodec.smallestFactor(for: [(shortSide, side)]) == (1, 1) {
                        XCTAssertEqual(scaled, expected, label)
                    } else {
                        XCTAssertLessThanOrEqual(mean, Self.scaledMeanTolerance, "\(label): mean difference \(mean)")
                    }
                }
            }
        }
    }

    func testCMYKConventionsAreTold() throws {
        // The same picture stored both ways: with the Adobe segment (inverted) and without.
        let adobe = try ImageDecoding.decodeForDisplay(try bytes("cmyk_adobe.jpg"), maxSide: 40)
        let plain = try ImageDecoding.decodeForDisplay(try bytes("cmyk_plain.jpg"), maxSide: 40)
        XCTAssertLessThanOrEqual(difference(adobe.pixels, plain.pixels).max, 4 / 255)
        // Read with the other convention, the colours would be far off.
        XCTAssertGreaterThan(difference(adobe.pixels, plain.pixels.map { 1 - $0 }).mean, 0.2)
    }

    func testYCCKFromTurboJPEGIsReadWithTheAdobeConvention() throws {
        // TurboJPEG's encoder stores CMYK as YCCK with an Adobe segment and the values
        // unchanged, so 255 reads as no ink: R = C × K / 255², and so on.
        let width = 16, height = 8
        var samples: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width { samples += [UInt8(255 - x * 8), UInt8(128 + y * 10), 200, UInt8(255 - y * 12)] }
        }
        let jpeg = try JPEGCodec.encode(
            samples, layout: .cmyk, width: width, height: height, quality: 100, subsampling: .chroma444)
        XCTAssertNotNil(jpeg.firstRange(of: Array("Adobe".utf8)))
        let image = try ImageDecoding.decodeForDisplay(jpeg, maxSide: 16)
        var expected: [Float] = []
        for p in 0..<(width * height) {
            let k = Float(samples[4 * p + 3]) / 255
            for c in 0..<3 { expected.append(Float(samples[4 * p + c]) / 255 * k) }
        }
        let worst = difference(image.pixels, expected).max
        XCTAssertLessThanOrEqual(worst, 4 / 255, "largest difference \(worst)")
    }

    func testGreyAndOneByOne() throws {
        let grey = try ImageDecoding.decodeForDisplay(try bytes("grey.jpg"), maxSide: 100)
        for p in 0..<(grey.width * grey.height) {
            XCTAssertEqual(grey.pixels[3 * p], grey.pixels[3 * p + 1])
            XCTAssertEqual(grey.pixels[3 * p], grey.pixels[3 * p + 2])
        }
        let one = try ImageDecoding.decodeForModel(try bytes("one.jpg"), side: 32)
        XCTAssertEqual(one.width, 32)
        // Up-scaling replicates the one pixel (Pillow wrote 200, 100, 50).
        for p in 0..<(32 * 32) {
            XCTAssertEqual(one.pixels[3 * p], one.pixels[0])
        }
        XCTAssertEqual(one.pixels[0], 200 / 255, accuracy: 3 / 255)
        XCTAssertEqual(one.pixels[2], 50 / 255, accuracy: 3 / 255)
    }

    // MARK: Large images and the DCT scale

    func testTheSmallestSufficientDCTScaleIsChosen() {
        let cases: [([(Int, Int)], (Int, Int))] = [
            ([(8192, 32)], (1, 8)), ([(64, 32)], (1, 2)), ([(40, 8)], (1, 4)), ([(24, 8)], (3, 8)),
            ([(100, 99)], (1, 1)), ([(16, 32)], (1, 1)), ([(800, 100), (600, 100)], (1, 4)),
        ]
        for (constraints, expected) in cases {
            let factor = JPEGCodec.smallestFactor(for: constraints.map { (length: $0.0, target: $0.1) })
            XCTAssertTrue(factor == expected, "\(constraints): \(factor)")
        }
        // None above 1: up-scaling is the area averaging's.
        XCTAssertTrue(JPEGCodec.scalingFactors.allSatisfy { $0.0 <= $0.1 })
        XCTAssertTrue(JPEGCodec.scalingFactors.contains { $0 == (1, 8) })
    }

    func testAHugeJPEGIsDecodedAtAnEighthForTheModel() throws {
        let jpeg = try bytes("huge_solid.jpg")
        var decodedSize = (0, 0)
        try jpeg.withUnsafeBytes { raw in
            try JPEGCodec.withDecodedRows(
                raw, maxDimension: 8192, constraints: { width, height in [(min(width, height), 32)] }
            ) { rows, width, height, factor in
                decodedSize = (rows.width, rows.height)
                XCTAssertEqual(width, 8192)
                XCTAssertEqual(height, 8192)
                XCTAssertEqual(factor, 1.0 / 8)
            }
        }
        XCTAssertTrue(decodedSize == (1024, 1024), "decoded at \(decodedSize)")
        let expected = try floats("huge_solid.32.centre.f32")
        let image = try ImageDecoding.decodeForModel(jpeg, side: 32)
        let worst = difference(image.pixels, expected).max
        XCTAssertLessThanOrEqual(worst, Self.fullScaleTolerance, "largest difference \(worst)")
        // The upload limit refuses it from the header.
        XCTAssertThrowsError(try ImageDecoding.decodeForModel(jpeg, side: 32, maxDimension: 4096)) { error in
            XCTAssertEqual(kind(error), .tooLarge)
            XCTAssertEqual("\(error)", "the JPEG is 8192×8192 pixels; at most 4096×4096 is accepted")
        }
    }

    func testDisplayScalesDownWithTheAspectKept() throws {
        let wide = try bytes("wide.jpg")
        let image = try ImageDecoding.decodeForDisplay(wide, maxSide: 512)
        XCTAssertEqual(image.width, 512)
        XCTAssertEqual(image.height, 1)
        // Never up: a small image comes back at its own size.
        let small = try ImageDecoding.decodeForDisplay(try bytes("rgb444.jpg"), maxSide: 1000)
        XCTAssertEqual(small.width, 48)
        XCTAssertEqual(small.height, 40)
        let mean = image.pixels.reduce(0, +) / Float(image.pixels.count)
        let full = try floats("wide.f32")
        XCTAssertEqual(mean, full.reduce(0, +) / Float(full.count), accuracy: 0.01)
    }

    func testHeaderClaimingHugeDimensionsIsRefusedBeforeDecoding() throws {
        // A valid 16×16 JPEG whose frame header is rewritten: the data after it cannot
        // fill 9000×20 pixels, so .tooLarge shows the size was judged from the header.
        let base = try JPEGCodec.encode([UInt8](repeating: 90, count: 16 * 16 * 3), width: 16, height: 16)
        for (width, height) in [(9000, 20), (20, 9000), (65500, 65500)] {
            let jpeg = TestJPEG.withFrameSize(base, width: width, height: height)
            XCTAssertThrowsError(try ImageDecoding.decodeForModel(jpeg, side: 32)) { error in
                XCTAssertEqual(kind(error), .tooLarge)
                XCTAssertEqual(
                    "\(error)", "the JPEG is \(width)×\(height) pixels; at most 8192×8192 is accepted")
            }
            XCTAssertThrowsError(try ImageDecoding.decodeForDisplay(jpeg, maxSide: 64)) { error in
                XCTAssertEqual(kind(error), .tooLarge)
            }
        }
        XCTAssertEqual(try ImageDecoding.decodeForModel(base, side: 16).pixels.count, 16 * 16 * 3)
    }

    // MARK: Damage

    func testTruncatedCorruptEmptyAndMislabelled() throws {
        // Read first: an XCTSkip thrown inside XCTAssertThrowsError would count as the error.
        let truncated = try bytes("truncated.jpg"), corrupt = try bytes("corrupt.jpg"), empty = try bytes("empty.jpg")
        XCTAssertThrowsError(try ImageDecoding.decodeForModel(truncated, side: 32)) { error in
            XCTAssertEqual(kind(error), .truncated, "\(error)")
            XCTAssertTrue("\(error)".hasPrefix("the JPEG is truncated: "), "\(error)")
            XCTAssertTrue("\(error)".contains("cut short"), "\(error)")
        }
        XCTAssertThrowsError(try ImageDecoding.decodeForModel(corrupt, side: 32)) { error in
            XCTAssertEqual(kind(error), .corrupt, "\(error)")
            XCTAssertTrue("\(error)".hasPrefix("the JPEG is damaged and cannot be decoded: "), "\(error)")
        }
        XCTAssertThrowsError(try ImageDecoding.decodeForModel(empty, side: 32)) { error in
            XCTAssertEqual(kind(error), .empty)
            XCTAssertTrue("\(error)".contains("0 bytes"), "\(error)")
        }
        // The name says JPEG, the bytes say PNG: the bytes win.
        let png = try bytes("png_named.jpg")
        XCTAssertEqual(ImageDecoding.format(of: png), .png)
        let image = try ImageDecoding.decodeForDisplay(png, maxSide: 12)
        XCTAssertEqual(image.pixels, try floats("png_named.f32"))
    }

    func testTruncatedAtEveryKindOfPlace() throws {
        let jpeg = try bytes("progressive.jpg")
        let scan = try XCTUnwrap(TestJPEG.firstScanData(jpeg))
        for cut in [3, 4, 6, 20, scan - 4, scan + 10, (scan + jpeg.count) / 2, jpeg.count - 2, jpeg.count - 1] {
            XCTAssertThrowsError(try ImageDecoding.decodeForModel(Array(jpeg.prefix(cut)), side: 8), "cut at \(cut)") {
                error in
                XCTAssertEqual(kind(error), .truncated, "cut at \(cut): \(error)")
            }
        }
        for cut in [1, 2] {
            XCTAssertThrowsError(try ImageDecoding.decodeForModel(Array(jpeg.prefix(cut)), side: 8)) {
                XCTAssertEqual(kind($0), .truncated, "\($0)")
            }
        }
    }

    func testABrokenScanIsRefusedNotFilledWithGrey() throws {
        // A restart marker out of sequence: libjpeg-turbo only warns and would go on.
        let jpeg = try bytes("restarts.jpg")
        let marker = try XCTUnwrap((0..<(jpeg.count - 1)).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xD3 })
        var damaged = jpeg
        damaged[marker + 1] = 0xD6
        XCTAssertThrowsError(try ImageDecoding.decodeForModel(damaged, side: 16)) { error in
            XCTAssertEqual(kind(error), .corrupt, "\(error)")
            XCTAssertTrue("\(error)".contains("Corrupt JPEG data"), "\(error)")
        }
    }

    func testRandomDamageNeverCrashes() throws {
        let jpeg = try JPEGCodec.encode(
            (0..<(24 * 16 * 3)).map { UInt8(truncatingIfNeeded: $0 &* 13) }, width: 24, height: 16)
        var generator = SeededRandom(seed: 11)
        for round in 0..<400 {
            var damaged = jpeg
            for _ in 0..<Int(generator.next() % 4 + 1) {
                damaged[Int(generator.next() % UInt64(damaged.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
            if round % 5 == 0 { damaged = Array(damaged.prefix(Int(generator.next() % UInt64(damaged.count)))) }
            do {
                let image = try ImageDecoding.decodeForModel(damaged, side: 8)
                XCTAssertTrue(image.pixels.allSatisfy { $0 >= 0 && $0 <= 1 + 1e-6 })
                _ = try ImageDecoding.decodeForDisplay(damaged, maxSide: 10)
            } catch let error as ImageError {
                XCTAssertFalse(error.message.isEmpty)
            }
        }
    }
}

/// Byte surgery on JPEGs.
enum TestJPEG {
    /// The JPEG with the width and height of its baseline or progressive frame header replaced.
    static func withFrameSize(_ jpeg: [UInt8], width: Int, height: Int) -> [UInt8] {
        var bytes = jpeg
        guard let sof = (0..<(bytes.count - 1)).first(where: { bytes[$0] == 0xFF && [0xC0, 0xC2].contains(bytes[$0 + 1]) })
        else { return bytes }
        bytes[sof + 5] = UInt8(height >> 8)
        bytes[sof + 6] = UInt8(height & 0xFF)
        bytes[sof + 7] = UInt8(width >> 8)
        bytes[sof + 8] = UInt8(width & 0xFF)
        return bytes
    }

    /// The offset of the first byte after the first start-of-scan segment.
    static func firstScanData(_ jpeg: [UInt8]) -> Int? {
        guard let sos = (0..<(jpeg.count - 3)).first(where: { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xDA }) else {
            return nil
        }
        return sos + 2 + (Int(jpeg[sos + 2]) << 8 | Int(jpeg[sos + 3]))
    }
}
