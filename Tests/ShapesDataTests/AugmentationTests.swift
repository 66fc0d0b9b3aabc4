import ImageIO
import NanoTensor
import Datasets
import XCTest

final class AugmentationTests: XCTestCase {
    func testRandomStylesStayInRange() {
        var rng = SeededRandom(seed: 11)
        var supersamplingCounts: [Int: Int] = [:]
        var sizes: [Double] = []
        var offsets: [Double] = []
        for _ in 0..<2000 {
            let style = Augmentation.randomStyle(using: &rng)
            XCTAssertTrue((6...10).contains(style.size), "size \(style.size)")
            XCTAssertTrue((-1.5...1.5).contains(style.offsetX), "offsetX \(style.offsetX)")
            XCTAssertTrue((-1.5...1.5).contains(style.offsetY), "offsetY \(style.offsetY)")
            XCTAssertEqual(style.canvas, 32)
            supersamplingCounts[style.supersampling, default: 0] += 1
            sizes.append(style.size)
            offsets.append(style.offsetX)
            offsets.append(style.offsetY)
        }
        XCTAssertEqual(Set(supersamplingCounts.keys), [1, 4])
        XCTAssertEqual(Double(supersamplingCounts[4, default: 0]) / 2000, 0.5, accuracy: 0.05)
        // The ranges are actually used, not just respected.
        XCTAssertLessThan(sizes.min() ?? 10, 6.2)
        XCTAssertGreaterThan(sizes.max() ?? 6, 9.8)
        XCTAssertLessThan(offsets.min() ?? 0, -1.4)
        XCTAssertGreaterThan(offsets.max() ?? 0, 1.4)
    }

    func testRandomStylesAreDeterministicForASeed() {
        var a = SeededRandom(seed: 5)
        var b = SeededRandom(seed: 5)
        var c = SeededRandom(seed: 6)
        let first = (0..<50).map { _ in Augmentation.randomStyle(using: &a) }
        let second = (0..<50).map { _ in Augmentation.randomStyle(using: &b) }
        let other = (0..<50).map { _ in Augmentation.randomStyle(using: &c) }
        XCTAssertEqual(first, second)
        XCTAssertNotEqual(first, other)
        let pair = Shapes.pairs[77]
        XCTAssertEqual(Renderer.render(pair, style: first[3]), Renderer.render(pair, style: second[3]))
    }

    /// Coverage values strictly between 0 and 1 (relative to the pair's colour).
    private func fractionalPixelCount(_ image: RGBImage, _ pair: Pair) -> Int {
        let full = [pair.colour.rgb.r, pair.colour.rgb.g, pair.colour.rgb.b].map { Float($0) / 255 }
        var count = 0
        for p in 0..<(image.width * image.height) {
            for c in 0..<3 where full[c] > 0 {
                let coverage = image.pixels[p * 3 + c] / full[c]
                if coverage > 1e-6 && coverage < 1 - 1e-6 {
                    count += 1
                    break
                }
            }
        }
        return count
    }

    func testAntialiasedRendersHaveFractionalValues() {
        let circle = Pair(colour: .orange, shape: .circle, position: .centre)
        let triangle = Pair(colour: .brown, shape: .triangle, position: .bottomLeft)
        for pair in [circle, triangle] {
            XCTAssertEqual(fractionalPixelCount(Renderer.canonical(pair.id), pair), 0, pair.caption)
            let smooth = Renderer.render(pair, style: RenderStyle(supersampling: 4))
            XCTAssertGreaterThan(fractionalPixelCount(smooth, pair), 4, pair.caption)
        }
        let antialias = Robustness.renders(.antialias)
        for pair in Shapes.pairs where pair.shape != .square {
            XCTAssertGreaterThan(fractionalPixelCount(antialias[pair.id], pair), 0, pair.caption)
        }
        // A canonical square's edges lie on pixel boundaries: supersampling changes nothing.
        let square = Pair(colour: .gray, shape: .square, position: .right)
        XCTAssertEqual(Renderer.render(square, style: RenderStyle(supersampling: 4)), Renderer.canonical(square.id))
    }

    func testLargerCanvasIsCloseToButNotCanonical() {
        for pair in Shapes.pairs where pair.shape != .square {
            let canonical = Renderer.canonical(pair.id)
            for canvas in [64, 128] {
                let big = Renderer.render(pair, style: RenderStyle(canvas: canvas))
                XCTAssertEqual(big.width, 32)
                XCTAssertNotEqual(big, canonical, "\(pair.caption) canvas \(canvas)")
                let diffs = zip(big.pixels, canonical.pixels).map { abs($0 - $1) }
                let mean = diffs.reduce(0, +) / Float(diffs.count)
                XCTAssertLessThan(mean, 0.02, "\(pair.caption) canvas \(canvas)")
                XCTAssertLessThanOrEqual(diffs.max() ?? 1, 0.76, "\(pair.caption) canvas \(canvas)")
            }
        }
        // The snapped canonical square scales exactly and averages back to itself.
        let square = Pair(colour: .purple, shape: .square, position: .topRight)
        XCTAssertEqual(Renderer.render(square, style: RenderStyle(canvas: 64)), Renderer.canonical(square.id))
        XCTAssertEqual(Robustness.renders(.canvas64)[square.id], Renderer.canonical(square.id))
    }

    func testRobustnessRendersAreCentredOnTheirCells() {
        for perturbation in Perturbation.allCases {
            let images = Robustness.renders(perturbation)
            XCTAssertEqual(images.count, 243, perturbation.rawValue)
            for pair in Shapes.pairs {
                let image = images[pair.id]
                XCTAssertEqual(image.width, 32)
                XCTAssertEqual(image.height, 32)
                guard let centroid = image.centroid else {
                    XCTFail("\(perturbation.rawValue) \(pair.caption) is blank")
                    continue
                }
                let cx = 2 + (Double(pair.position.column) + 0.5) * 28 / 3
                let cy = 2 + (Double(pair.position.row) + 0.5) * 28 / 3
                // ≤ 1.5 offset + ⅓ snapping + (triangle only, vertically) s/6 ≤ 1.67.
                XCTAssertLessThan(abs(centroid.x - cx), 2.0, "\(perturbation.rawValue) \(pair.caption)")
                XCTAssertLessThan(abs(centroid.y - cy), 3.6, "\(perturbation.rawValue) \(pair.caption)")
            }
            XCTAssertEqual(Robustness.renders(perturbation), images, "deterministic")
        }
    }

    func testRobustnessSetsDifferFromTheGallery() {
        for perturbation in Perturbation.allCases {
            let images = Robustness.renders(perturbation)
            let changed = (0..<243).filter { images[$0] != Renderer.canonical($0) }.count
            switch perturbation {
            case .size:
                XCTAssertEqual(changed, 243)
            case .offset:
                // Hard edges: an offset that keeps every edge within the same half pixel
                // samples the same pixel centres, so a few renders equal the canonical ones.
                XCTAssertGreaterThan(changed, 200)
            case .antialias, .canvas64, .canvas128:
                // Canonical squares have edges on pixel boundaries and stay unchanged.
                XCTAssertEqual(changed, 162, perturbation.rawValue)
            }
        }
    }

    func testSizeAndOffsetStylesAreAsDocumented() {
        XCTAssertEqual(Robustness.styles(.size).prefix(5).map(\.size), [6, 7, 9, 10, 6])
        // Square sizes follow: an unrounded box of side s at hard edges covers s×s pixels
        // when s is whole, whatever its fractional start.
        let sizes = Robustness.renders(.size)
        for id in 9..<18 {
            let pair = Shapes.pairs[id]
            XCTAssertEqual(pair.shape, .square)
            let side = [6, 7, 9, 10][id % 4]
            XCTAssertEqual(sizes[id].litPixels.count, side * side, pair.caption)
        }

        var rng = SeededRandom(seed: 4242)
        let styles = Robustness.styles(.offset)
        for style in styles {
            XCTAssertEqual(style.offsetX, -1.5 + 3 * rng.uniform())
            XCTAssertEqual(style.offsetY, -1.5 + 3 * rng.uniform())
            XCTAssertEqual(style.size, 8)
            XCTAssertEqual(style.supersampling, 1)
            XCTAssertEqual(style.canvas, 32)
        }
    }
}
