import Foundation
import TestSupport
import XCTest

@testable import ImageIO

/// The one decoding entry point: sniffing, its messages, the model's crop and the display
/// size, on PNGs whose every pixel is known, against a plain 2-D area average.
final class ImageDecodingTests: XCTestCase {
    /// Exact in binary (multiples of 1/64), so crops and block means compare exactly.
    func pattern(width: Int, height: Int) -> [UInt8] {
        (0..<(width * height * 3)).map { (i: Int) -> UInt8 in
            let step = (i &* 37 &+ i / 5) % 64
            return UInt8(4 * step)
        }
    }

    /// The mean of `image` over each output pixel's share of `window`, weighted by overlap:
    /// a direct double loop in Double, written apart from AreaResampler.
    func reference(_ image: RGBImage, window: SourceWindow, width: Int, height: Int) -> [Float] {
        var out: [Float] = []
        let stepX = window.width / Double(width), stepY = window.height / Double(height)
        for oy in 0..<height {
            for ox in 0..<width {
                let x0 = window.x + Double(ox) * stepX, x1 = x0 + stepX
                let y0 = window.y + Double(oy) * stepY, y1 = y0 + stepY
                var sum = [0.0, 0.0, 0.0]
                for y in 0..<image.height {
                    let dy = min(y1, Double(y + 1)) - max(y0, Double(y))
                    guard dy > 0 else { continue }
                    for x in 0..<image.width {
                        let dx = min(x1, Double(x + 1)) - max(x0, Double(x))
                        guard dx > 0 else { continue }
                        for c in 0..<3 { sum[c] += dx * dy * Double(image.pixels[(y * image.width + x) * 3 + c]) }
                    }
                }
                out += sum.map { Float($0 / (stepX * stepY)) }
            }
        }
        return out
    }

    func largestDifference(_ a: [Float], _ b: [Float]) -> Float {
        XCTAssertEqual(a.count, b.count)
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    // MARK: Sniffing and messages

    func testFormatIsTheSignaturesSay() throws {
        let png = try PNGCodec.encode(rgb8: [1, 2, 3], width: 1, height: 1)
        let jpeg = try JPEGCodec.encode([1, 2, 3], width: 1, height: 1)
        XCTAssertEqual(ImageDecoding.format(of: png), .png)
        XCTAssertEqual(ImageDecoding.format(of: jpeg), .jpeg)
        XCTAssertNil(ImageDecoding.format(of: []))
        XCTAssertNil(ImageDecoding.format(of: [0xFF, 0xD8]))
        XCTAssertNil(ImageDecoding.format(of: Array(png.prefix(7))))
        XCTAssertNil(ImageDecoding.format(of: Array("GIF89a".utf8)))
        // Both decode through the one entry point.
        XCTAssertEqual(try ImageDecoding.decodeForDisplay(png, maxSide: 1).pixels, [1, 2, 3].map { Float($0) / 255 })
        XCTAssertEqual(try ImageDecoding.decodeForDisplay(jpeg, maxSide: 1).pixels.count, 3)
    }

    func testRefusalsNameTheFormatAndWhatIsWrong() {
        let cases: [([UInt8], ImageError.Kind, String)] = [
            ([], .empty, "no image data was given (0 bytes); expected a PNG or JPEG file"),
            (
                Array("GIF89a, honestly".utf8), .notAnImage,
                "the data is not a PNG or JPEG image (it starts like a GIF); send a PNG or JPEG image"
            ),
            (
                Array("hello, world".utf8), .notAnImage,
                "the data is not a PNG or JPEG image (it starts with the bytes 68 65 6C 6C); send a PNG or JPEG image"
            ),
            (
                [0, 0, 0, 0x18] + Array("ftypheic".utf8), .notAnImage,
                "the data is not a PNG or JPEG image (it starts like HEIC, AVIF or another ISO media file); send a PNG or JPEG image"
            ),
            ([0xFF, 0xD8], .truncated, "the data is only 2 bytes, the start of a JPEG signature; the file was cut short"),
            ([0x89], .truncated, "the data is only 1 byte, the start of a PNG signature; the file was cut short"),
        ]
        for (bytes, expectedKind, message) in cases {
            for decode in [
                { try ImageDecoding.decodeForModel(bytes, side: 32) },
                { try ImageDecoding.decodeForDisplay(bytes, maxSide: 32) },
            ] {
                XCTAssertThrowsError(try decode()) { error in
                    XCTAssertEqual(kind(error), expectedKind, "\(error)")
                    XCTAssertEqual("\(error)", message)
                }
            }
        }
        // The PNG-only decoder says what the bytes look like.
        XCTAssertThrowsError(try PNGCodec.decode([0xFF, 0xD8, 0xFF, 0xE0])) { error in
            XCTAssertEqual(kind(error), .notAnImage)
            XCTAssertEqual("\(error)", "the data is not a PNG (it starts like a JPEG); send a PNG image")
        }
    }

    func testPNGSizeLimitsComeFromTheHeader() {
        let huge = TestPNG.signature + TestPNG.ihdr(width: 9000, height: 20) + TestPNG.chunk("IDAT", TestPNG.zlibStored([0]))
        XCTAssertThrowsError(try ImageDecoding.decodeForModel(huge, side: 32)) { error in
            XCTAssertEqual(kind(error), .tooLarge)
            XCTAssertEqual("\(error)", "the PNG is 9000×20 pixels; at most 8192×8192 is accepted")
        }
        // The service's upload limit, 4096, is the caller's maxDimension.
        let big = TestPNG.signature + TestPNG.ihdr(width: 5000, height: 5000) + TestPNG.chunk("IDAT", TestPNG.zlibStored([0]))
        XCTAssertThrowsError(try ImageDecoding.decodeForModel(big, side: 32, maxDimension: 4096)) { error in
            XCTAssertEqual("\(error)", "the PNG is 5000×5000 pixels; at most 4096×4096 is accepted")
        }
        // Under the dataset limit it is read on, and fails only for want of data.
        XCTAssertThrowsError(try ImageDecoding.decodeForModel(big, side: 32)) { error in
            XCTAssertNotEqual(kind(error), .tooLarge, "\(error)")
        }
    }

    // MARK: The model's crop

    func testCentreCropKeepsTheMiddleAndCutsTheExtraPixelFromTheRightOrBottom() throws {
        // Each column (or row) one value, so the crop shows which ones were kept.
        for (width, height, kept) in [(5, 3, [1, 2, 3]), (6, 3, [1, 2, 3]), (3, 5, [1, 2, 3]), (3, 6, [1, 2, 3])] {
            let wide = width > height
            var bytes: [UInt8] = []
            for y in 0..<height {
                for x in 0..<width { bytes += [UInt8(40 * (wide ? x : y) + 4), 0, 0] }
            }
            let png = try PNGCodec.encode(rgb8: bytes, width: width, height: height)
            let image = try ImageDecoding.decodeForModel(png, side: 3, crop: .centre)
            for y in 0..<3 {
                for x in 0..<3 {
                    let expected = Float(40 * kept[wide ? x : y] + 4) / 255
                    XCTAssertEqual(image.pixels[(y * 3 + x) * 3], expected, "\(width)×\(height) at (\(x), \(y))")
                }
            }
        }
    }

    func testCropAndSquashAgainstAPlainAreaAverage() throws {
        for (width, height) in [(37, 23), (23, 37), (64, 64), (100, 7), (5, 3), (1, 1), (2, 9)] {
            let png = try PNGCodec.encode(rgb8: pattern(width: width, height: height), width: width, height: height)
            let full = try PNGCodec.decode(png)
            for side in [1, 4, 8, 13, 40] {
                for crop in ImageCrop.allCases {
                    let image = try ImageDecoding.decodeForModel(png, side: side, crop: crop)
                    XCTAssertEqual(image.width, side)
                    XCTAssertEqual(image.height, side)
                    let square = min(width, height)
                    let window =
                        crop == .none
                        ? SourceWindow.whole(width, height)
                        : SourceWindow(
                            x: Double((width - square) / 2), y: Double((height - square) / 2), width: Double(square),
                            height: Double(square))
                    let worst = largestDifference(image.pixels, reference(full, window: window, width: side, height: side))
                    XCTAssertLessThan(worst, 1e-5, "\(width)×\(height) → \(side), \(crop)")
                }
            }
        }
    }

    func testSquashIsDecodeThenResize() throws {
        for (width, height) in [(64, 64), (100, 37), (32, 32), (5, 3)] {
            let png = try PNGCodec.encode(rgb8: pattern(width: width, height: height), width: width, height: height)
            let squashed = try ImageDecoding.decodeForModel(png, side: 32, crop: .none)
            XCTAssertEqual(squashed, areaResize(try PNGCodec.decode(png), width: 32, height: 32))
            XCTAssertEqual(squashed, try PNGCodec.decodeForModel(png))
        }
    }

    func testFractionalWindowsAgainstAPlainAreaAverage() {
        let source = RGBImage(
            width: 7, height: 5, pixels: pattern(width: 7, height: 5).map { Float($0) / 255 })
        let windows = [
            SourceWindow(x: 0.5, y: 0.25, width: 2.5, height: 2.5), SourceWindow(x: 1.375, y: 0, width: 5.625, height: 5),
            SourceWindow(x: 0, y: 0, width: 7, height: 5), SourceWindow(x: 6.5, y: 4.5, width: 0.5, height: 0.5),
        ]
        for window in windows {
            for (width, height) in [(2, 2), (3, 5), (9, 4)] {
                let image = resample(
                    RGBRows(image: source), window: window, width: width, height: height)
                let worst = largestDifference(image.pixels, reference(source, window: window, width: width, height: height))
                XCTAssertLessThan(worst, 1e-5, "\(window) → \(width)×\(height)")
            }
        }
        // Only the rows and columns the window touches are read.
        let resampler = AreaResampler(
            inputWidth: 7, inputHeight: 5, window: SourceWindow(x: 2, y: 1, width: 3, height: 3), outputWidth: 2,
            outputHeight: 2)
        XCTAssertEqual(resampler.columns, 2..<5)
        XCTAssertEqual(resampler.rows, 1..<4)
    }

    func testSixteenBitAndPaletteFixturesThroughTheModelCrop() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("nanovlm-png-crop-fixtures-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("png_fixtures.py").path
        try requirePython(modules: ["zlib"], install: "apt-get install python3")
        try runPython([script, directory.path], requireSuccess: true)
        let manifest = try String(contentsOf: directory.appendingPathComponent("manifest.txt"), encoding: .utf8)
        var names: [String] = []
        for entry in manifest.split(separator: "\n").map({ $0.split(separator: " ").map(String.init) }) {
            let name = entry[0]
            let width = Int(entry[1]) ?? 0, height = Int(entry[2]) ?? 0
            names.append(name)
            let png = try [UInt8](Data(contentsOf: directory.appendingPathComponent(name + ".png")))
            let data = try Data(contentsOf: directory.appendingPathComponent(name + ".f32"))
            let expected = data.withUnsafeBytes { raw in
                (0..<(raw.count / 4)).map {
                    Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
                }
            }
            let full = RGBImage(width: width, height: height, pixels: expected)
            let square = min(width, height)
            for crop in ImageCrop.allCases {
                let window =
                    crop == .none
                    ? SourceWindow.whole(width, height)
                    : SourceWindow(
                        x: Double((width - square) / 2), y: Double((height - square) / 2), width: Double(square),
                        height: Double(square))
                let image = try ImageDecoding.decodeForModel(png, side: 4, crop: crop)
                let worst = largestDifference(image.pixels, reference(full, window: window, width: 4, height: 4))
                XCTAssertLessThan(worst, 1e-5, "\(name), \(crop)")
            }
        }
        XCTAssertTrue(names.contains("rgba16") && names.contains("palette8_trns") && names.contains("gray16"))
    }

    // MARK: Display size

    func testDisplaySizeScalesDownOnlyAndKeepsTheAspect() throws {
        let cases: [((Int, Int, Int), (Int, Int))] = [
            ((100, 50, 10), (10, 5)), ((50, 100, 10), (5, 10)), ((1, 1000, 10), (1, 10)), ((20, 10, 64), (20, 10)),
            ((999, 1000, 10), (10, 10)), ((8192, 3, 512), (512, 1)), ((64, 64, 64), (64, 64)),
        ]
        for ((width, height, maxSide), expected) in cases {
            let size = ImageDecoding.displaySize(width, height, maxSide: maxSide)
            XCTAssertTrue(size == expected, "\(width)×\(height) within \(maxSide): \(size)")
        }
        let png = try PNGCodec.encode(rgb8: pattern(width: 20, height: 10), width: 20, height: 10)
        XCTAssertEqual(try ImageDecoding.decodeForDisplay(png, maxSide: 64), try PNGCodec.decode(png))
        let half = try ImageDecoding.decodeForDisplay(png, maxSide: 10)
        XCTAssertEqual(half, areaResize(try PNGCodec.decode(png), width: 10, height: 5))
    }
}

/// An RGBImage as rows, for the resampler.
struct RGBRows: RowSource {
    let image: RGBImage
    var width: Int { image.width }
    var height: Int { image.height }

    func convertRow(_ y: Int, from x: Int, count: Int, into out: UnsafeMutablePointer<Float>) {
        for i in 0..<(count * 3) { out[i] = image.pixels[(y * image.width + x) * 3 + i] }
    }
}
