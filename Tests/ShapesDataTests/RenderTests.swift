import ImageIO
import Datasets
import XCTest

final class RenderTests: XCTestCase {
    func testCanonicalImagesAre32x32AndCached() {
        XCTAssertEqual(Renderer.canonicalImages.count, 243)
        for (id, image) in Renderer.canonicalImages.enumerated() {
            XCTAssertEqual(image.width, 32)
            XCTAssertEqual(image.height, 32)
            XCTAssertEqual(Renderer.canonical(id), image)
            if id % 20 == 0 { XCTAssertEqual(Renderer.render(Shapes.pairs[id]), image) }
        }
    }

    func testSquareFillsExactlyTheRoundedBoxAtEveryPosition() {
        for position in Position.allCases {
            let image = Renderer.canonical(Pair(colour: .green, shape: .square, position: position).id)
            let x0 = canonicalBoxStart[position.column]
            let y0 = canonicalBoxStart[position.row]
            for y in 0..<32 {
                for x in 0..<32 {
                    let inBox = (x0...(x0 + 7)).contains(x) && (y0...(y0 + 7)).contains(y)
                    XCTAssertEqual(image.isLit(x, y), inBox, "\(position.name) pixel (\(x), \(y))")
                }
            }
        }
        // The brief's example, spelled out: top-left spans x 3…10 and y 3…10.
        let topLeft = Renderer.canonical(Pair(colour: .red, shape: .square, position: .topLeft).id).litPixels
        XCTAssertEqual(topLeft.map(\.x).min(), 3)
        XCTAssertEqual(topLeft.map(\.x).max(), 10)
        XCTAssertEqual(topLeft.map(\.y).min(), 3)
        XCTAssertEqual(topLeft.map(\.y).max(), 10)
        XCTAssertEqual(topLeft.count, 64)
    }

    func testColourValuesAreExact() {
        let pink = Renderer.canonical(109)  // pink circle top: box x 12…19, y 3…10
        XCTAssertEqual(pink.value(15, 6, 0), Float(255) / 255)
        XCTAssertEqual(pink.value(15, 6, 1), Float(192) / 255)
        XCTAssertEqual(pink.value(15, 6, 2), Float(203) / 255)
        XCTAssertEqual(pink.value(0, 0, 0), 0)

        for pair in Shapes.pairs {
            let image = Renderer.canonical(pair.id)
            let rgb = pair.colour.rgb
            let expected = [Float(rgb.r) / 255, Float(rgb.g) / 255, Float(rgb.b) / 255]
            let bytes = image.rgb8()
            for y in 0..<32 {
                for x in 0..<32 {
                    let values = (0..<3).map { image.value(x, y, $0) }
                    if image.isLit(x, y) {
                        XCTAssertEqual(values, expected, "\(pair.caption) at (\(x), \(y))")
                        let p = (y * 32 + x) * 3
                        XCTAssertEqual([bytes[p], bytes[p + 1], bytes[p + 2]], [rgb.r, rgb.g, rgb.b])
                    } else {
                        XCTAssertEqual(values, [0, 0, 0])
                    }
                }
            }
        }
    }

    /// Counts, with integer arithmetic on doubled coordinates, the pixels whose centre lies in
    /// the disc inscribed in the 8-px box at (x0, y0): (2x+1 − 2x0 − 8)² + (2y+1 − 2y0 − 8)² ≤ 8².
    private func independentCircle(x0: Int, y0: Int) -> Set<[Int]> {
        var out = Set<[Int]>()
        for y in 0..<32 {
            for x in 0..<32 {
                let dx = 2 * x + 1 - 2 * x0 - 8
                let dy = 2 * y + 1 - 2 * y0 - 8
                if dx * dx + dy * dy <= 64 { out.insert([x, y]) }
            }
        }
        return out
    }

    /// Pixels whose centre lies in the triangle with apex (x0 + 4, y0) and base y0 + 8:
    /// y0 ≤ y + ½ < y0 + 8 and |x + ½ − (x0 + 4)| ≤ (y + ½ − y0)/2, times 4 to stay integer.
    private func independentTriangle(x0: Int, y0: Int) -> Set<[Int]> {
        var out = Set<[Int]>()
        for y in y0..<(y0 + 8) {
            for x in 0..<32 where 2 * abs(2 * x + 1 - 2 * x0 - 8) <= 2 * y + 1 - 2 * y0 {
                out.insert([x, y])
            }
        }
        return out
    }

    func testCircleAndTriangleMatchIndependentCounts() {
        for position in Position.allCases {
            let x0 = canonicalBoxStart[position.column]
            let y0 = canonicalBoxStart[position.row]
            let circle = Renderer.canonical(Pair(colour: .blue, shape: .circle, position: position).id)
            let triangle = Renderer.canonical(Pair(colour: .yellow, shape: .triangle, position: position).id)
            let circlePixels = Set(circle.litPixels.map { [$0.x, $0.y] })
            let trianglePixels = Set(triangle.litPixels.map { [$0.x, $0.y] })
            XCTAssertEqual(circlePixels, independentCircle(x0: x0, y0: y0), position.name)
            XCTAssertEqual(trianglePixels, independentTriangle(x0: x0, y0: y0), position.name)
            // Counted by hand: rows of 4, 6, 8, 8, 8, 8, 6, 4 and 0, 2, 2, 4, 4, 6, 6, 8.
            XCTAssertEqual(circlePixels.count, 52, position.name)
            XCTAssertEqual(trianglePixels.count, 32, position.name)
        }
    }

    func testNoCanonicalShapeTouchesTheMargin() {
        for pair in Shapes.pairs {
            let lit = Renderer.canonical(pair.id).litPixels
            XCTAssertFalse(lit.isEmpty, pair.caption)
            for p in lit {
                XCTAssertTrue((2..<30).contains(p.x) && (2..<30).contains(p.y), "\(pair.caption) at (\(p.x), \(p.y))")
            }
        }
    }

    func testEveryCanonicalImageIsDistinct() {
        XCTAssertEqual(Set(Renderer.canonicalImages.map(\.pixels)).count, 243)
    }

    func testDegenerateStylesStillGive32x32() {
        let pair = Shapes.pairs[100]
        let styles = [
            RenderStyle(size: 0), RenderStyle(size: 40), RenderStyle(offsetX: -50, offsetY: 50),
            RenderStyle(supersampling: 0), RenderStyle(canvas: 0), RenderStyle(canvas: 7), RenderStyle(size: -3),
        ]
        for style in styles {
            let image = Renderer.render(pair, style: style)
            XCTAssertEqual(image.width, 32)
            XCTAssertEqual(image.height, 32)
            XCTAssertTrue(image.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
        XCTAssertEqual(Renderer.render(pair, style: RenderStyle(size: 0)).litPixels.count, 0)
    }
}
