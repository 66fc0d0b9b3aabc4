import Datasets
import XCTest

final class DatasetTests: XCTestCase {
    func testThereAre243PairsIndexedById() {
        XCTAssertEqual(Shapes.count, 243)
        XCTAssertEqual(Shapes.pairs.count, 243)
        for (index, pair) in Shapes.pairs.enumerated() {
            XCTAssertEqual(pair.id, index)
            XCTAssertEqual(pair.id, pair.colour.rawValue * 27 + pair.shape.rawValue * 9 + pair.position.rawValue)
            XCTAssertEqual(Pair(id: index), pair)
        }
        XCTAssertNil(Pair(id: -1))
        XCTAssertNil(Pair(id: 243))
        XCTAssertEqual(Set(Shapes.pairs.map(\.caption)).count, 243, "captions must be distinct")
    }

    func testCaptionsSpotChecks() {
        XCTAssertEqual(Shapes.pairs[0].caption, "red circle top-left")
        XCTAssertEqual(Shapes.pairs[109].caption, "pink circle top")  // 4·27 + 0·9 + 1
        XCTAssertEqual(Shapes.pairs[242].caption, "gray triangle bottom-right")
        XCTAssertEqual(Shapes.pairs[27 + 9 + 8].caption, "green square bottom-right")
        XCTAssertEqual(Shapes.pairs[5 * 27 + 2 * 9 + 4].caption, "brown triangle centre")
        XCTAssertEqual(Shapes.pairs[7 * 27 + 1 * 9 + 6].caption, "purple square bottom-left")
        XCTAssertEqual(Pair(colour: .pink, shape: .circle, position: .top).id, 109)
    }

    func testAttributeOrdersNamesAndColours() {
        XCTAssertEqual(
            Colour.allCases.map(\.name),
            ["red", "green", "blue", "yellow", "pink", "brown", "orange", "purple", "gray"])
        XCTAssertEqual(Shape.allCases.map(\.name), ["circle", "square", "triangle"])
        XCTAssertEqual(
            Position.allCases.map(\.name),
            ["top-left", "top", "top-right", "left", "centre", "right", "bottom-left", "bottom", "bottom-right"])
        XCTAssertEqual(Position.allCases.map(\.column), [0, 1, 2, 0, 1, 2, 0, 1, 2])
        XCTAssertEqual(Position.allCases.map(\.row), [0, 0, 0, 1, 1, 1, 2, 2, 2])

        let css = Colour.allCases.map { c -> [UInt8] in [c.rgb.r, c.rgb.g, c.rgb.b] }
        XCTAssertEqual(
            css,
            [
                [0xFF, 0x00, 0x00], [0x00, 0x80, 0x00], [0x00, 0x00, 0xFF], [0xFF, 0xFF, 0x00], [0xFF, 0xC0, 0xCB],
                [0xA5, 0x2A, 0x2A], [0xFF, 0xA5, 0x00], [0x80, 0x00, 0x80], [0x80, 0x80, 0x80],
            ])
    }

    func testVocabularyHas22TokensInSpecOrder() {
        XCTAssertEqual(
            ShapesVocabulary.tokens,
            [
                "[CLS]", "red", "green", "blue", "yellow", "pink", "brown", "orange", "purple", "gray",
                "circle", "square", "triangle",
                "top-left", "top", "top-right", "left", "centre", "right", "bottom-left", "bottom", "bottom-right",
            ])
        XCTAssertEqual(ShapesVocabulary.classToken, 0)
        XCTAssertEqual(ShapesVocabulary.words, Array(ShapesVocabulary.tokens.dropFirst()))
        for (index, token) in ShapesVocabulary.tokens.enumerated() {
            XCTAssertEqual(ShapesVocabulary.index(of: token), index)
        }
        XCTAssertNil(ShapesVocabulary.index(of: "purpel"))
        XCTAssertEqual(Shapes.pairs[109].tokens, [5, 10, 14])
        for pair in Shapes.pairs {
            XCTAssertEqual(pair.tokens.map { ShapesVocabulary.tokens[$0] }, pair.caption.split(separator: " ").map(String.init))
        }
    }
}
