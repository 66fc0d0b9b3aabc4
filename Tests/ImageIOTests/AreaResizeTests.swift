import XCTest

@testable import ImageIO

final class AreaResizeTests: XCTestCase {
    /// Values that are exact in binary (multiples of 1/64), so block means are exact too.
    private func image(width: Int, height: Int) -> RGBImage {
        RGBImage(
            width: width, height: height,
            pixels: (0..<(width * height * 3)).map { Float(($0 &* 37 &+ $0 / 5) % 64) / 64 })
    }

    func testDownscaleByTwoIsTheExactBlockMean() {
        let source = image(width: 64, height: 64)
        let resized = areaResize(source, width: 32, height: 32)
        XCTAssertEqual(resized.width, 32)
        XCTAssertEqual(resized.height, 32)
        for y in 0..<32 {
            for x in 0..<32 {
                for c in 0..<3 {
                    let block = [(0, 0), (0, 1), (1, 0), (1, 1)].map { dy, dx in
                        source.pixels[((2 * y + dy) * 64 + 2 * x + dx) * 3 + c]
                    }
                    XCTAssertEqual(resized.pixels[(y * 32 + x) * 3 + c], block.reduce(0, +) / 4, "(\(x), \(y), \(c))")
                }
            }
        }
    }

    func testUpscaleOnePixelReplicates() {
        let one = RGBImage(width: 1, height: 1, pixels: [0.25, 0.5, 1])
        let resized = areaResize(one, width: 32, height: 32)
        XCTAssertEqual(resized.pixels, [Float](repeating: 0, count: 32 * 32).flatMap { _ in [0.25, 0.5, 1] })
    }

    func testUpscaleByIntegerFactorReplicatesEachPixel() {
        let source = image(width: 2, height: 3)
        let resized = areaResize(source, width: 8, height: 9)
        for y in 0..<9 {
            for x in 0..<8 {
                let sourceIndex = ((y / 3) * 2 + x / 4) * 3
                XCTAssertEqual(Array(resized.pixels[((y * 8 + x) * 3)..<((y * 8 + x) * 3 + 3)]), Array(source.pixels[sourceIndex..<sourceIndex + 3]))
            }
        }
    }

    func testNonIntegerRatioConservesTheMean() {
        for (inputWidth, inputHeight, outputWidth, outputHeight) in [(100, 37, 32, 32), (7, 5, 32, 32), (33, 31, 32, 32), (50, 50, 3, 7)] {
            let source = image(width: inputWidth, height: inputHeight)
            let resized = areaResize(source, width: outputWidth, height: outputHeight)
            for c in 0..<3 {
                let before = stride(from: c, to: source.pixels.count, by: 3).map { Double(source.pixels[$0]) }
                let after = stride(from: c, to: resized.pixels.count, by: 3).map { Double(resized.pixels[$0]) }
                XCTAssertEqual(
                    after.reduce(0, +) / Double(after.count), before.reduce(0, +) / Double(before.count), accuracy: 1e-5,
                    "\(inputWidth)×\(inputHeight) → \(outputWidth)×\(outputHeight)")
            }
            XCTAssertTrue(resized.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
    }

    func testSameSizeIsIdentity() {
        let source = image(width: 32, height: 32)
        XCTAssertEqual(areaResize(source, width: 32, height: 32), source)
    }

    func testChannelsFirstAndRGB8() {
        let source = RGBImage(width: 2, height: 1, pixels: [0, 0.5, 1, 0.2, 0.4, 0.6])
        XCTAssertEqual(source.channelsFirst(), [0, 0.2, 0.5, 0.4, 1, 0.6])
        XCTAssertEqual(source.rgb8(), [0, 128, 255, 51, 102, 153])
    }
}
