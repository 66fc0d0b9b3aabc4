import Datasets
import XCTest

final class QueryParserTests: XCTestCase {
    private func words(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        do {
            return try ShapesQueryParser.parse(text).words
        } catch {
            XCTFail("\"\(text)\" was refused: \(error)", file: file, line: line)
            return []
        }
    }

    private func error(_ text: String) -> QueryError? {
        do {
            _ = try ShapesQueryParser.parse(text)
            return nil
        } catch let error as QueryError {
            return error
        } catch {
            return nil
        }
    }

    func testEveryCaptionParsesToItself() throws {
        for pair in Shapes.pairs {
            let parsed = try ShapesQueryParser.parse(pair.caption)
            XCTAssertEqual(parsed.text, pair.caption)
            XCTAssertEqual(parsed.tokens, pair.tokens)
            XCTAssertEqual(parsed.words, pair.caption.split(separator: " ").map(String.init))
        }
    }

    func testTokensAreVocabularyIndices() throws {
        let parsed = try ShapesQueryParser.parse("pink circle top-left")
        XCTAssertEqual(parsed.words, ["pink", "circle", "top-left"])
        XCTAssertEqual(parsed.tokens, [5, 10, 13])
        XCTAssertEqual(parsed.text, "pink circle top-left")
    }

    func testCaseAndSpacing() {
        XCTAssertEqual(words("PINK Circle TOP"), ["pink", "circle", "top"])
        XCTAssertEqual(words("   pink \t circle\n\ntop  "), ["pink", "circle", "top"])
        XCTAssertEqual(words("pink,circle,top"), ["pink", "circle", "top"])
        XCTAssertEqual(words("pink, circle , top"), ["pink", "circle", "top"])
        XCTAssertEqual(words("pink_circle_top"), ["pink", "circle", "top"])
    }

    func testSynonyms() {
        XCTAssertEqual(words("red square center"), ["red", "square", "centre"])
        XCTAssertEqual(words("red square CENTER"), ["red", "square", "centre"])
        XCTAssertEqual(words("red square centre"), ["red", "square", "centre"])
        XCTAssertEqual(words("grey triangle"), ["gray", "triangle"])
        XCTAssertEqual(words("Grey"), ["gray"])
        XCTAssertEqual(words("gray"), ["gray"])
    }

    func testTwoWordAndJoinedPositions() {
        for (typed, position) in [
            ("top left", "top-left"), ("top right", "top-right"),
            ("bottom left", "bottom-left"), ("bottom right", "bottom-right"),
            ("top-left", "top-left"), ("bottom-right", "bottom-right"),
            ("topleft", "top-left"), ("topright", "top-right"),
            ("bottomleft", "bottom-left"), ("bottomright", "bottom-right"),
            ("Top Left", "top-left"), ("top_left", "top-left"), ("top,left", "top-left"),
            ("top   right", "top-right"),
        ] {
            XCTAssertEqual(words("blue circle \(typed)"), ["blue", "circle", position], typed)
        }
        XCTAssertEqual(words("top"), ["top"])
        XCTAssertEqual(words("left"), ["left"])
        XCTAssertEqual(words("bottom"), ["bottom"])
        XCTAssertEqual(words("left top"), ["left", "top"])
        XCTAssertEqual(words("top left top"), ["top-left", "top"])
    }

    func testStopWordsAreDropped() {
        XCTAssertEqual(words("a pink circle at the top"), ["pink", "circle", "top"])
        XCTAssertEqual(words("an orange triangle in the centre"), ["orange", "triangle", "centre"])
        XCTAssertEqual(words("the square on the left"), ["square", "left"])
        XCTAssertEqual(words("a circle at the top of the left"), ["circle", "top-left"])
        XCTAssertEqual(words("A green circle AT THE bottom right"), ["green", "circle", "bottom-right"])
    }

    func testPartialCaptions() {
        XCTAssertEqual(words("red"), ["red"])
        XCTAssertEqual(words("circle top"), ["circle", "top"])
        XCTAssertEqual(words("bottom right"), ["bottom-right"])
        XCTAssertEqual(words("top circle pink"), ["top", "circle", "pink"])
    }

    func testEmptyQueries() {
        XCTAssertEqual(error(""), .empty)
        XCTAssertEqual(error("    "), .empty)
        XCTAssertEqual(error(" \t\n "), .empty)
        XCTAssertEqual(error(", _ ,"), .empty)
        XCTAssertEqual(error("the a an"), .empty)
        XCTAssertEqual(error("at in on of The"), .empty)
        XCTAssertTrue(QueryError.empty.description.contains("empty"))
    }

    func testTooLongIsCheckedFirst() {
        XCTAssertNotNil(try? ShapesQueryParser.parse("red" + String(repeating: " ", count: 253)))  // 256 bytes
        XCTAssertEqual(error("red" + String(repeating: " ", count: 254)), .tooLong(bytes: 257))
        XCTAssertEqual(error(String(repeating: "x", count: 257)), .tooLong(bytes: 257))
        // Bytes, not characters: 129 two-byte letters are 258 bytes.
        XCTAssertEqual(error(String(repeating: "é", count: 129)), .tooLong(bytes: 258))
        let message = QueryError.tooLong(bytes: 300).description
        XCTAssertTrue(message.contains("300"))
        XCTAssertTrue(message.contains("256"))
    }

    func testUnknownWordNamesTheWordAndListsKnownWords() {
        XCTAssertEqual(error("purpel circle"), .unknownWord("purpel"))
        XCTAssertEqual(error("PURPEL circle"), .unknownWord("purpel"))
        XCTAssertEqual(error("red hexagon"), .unknownWord("hexagon"))
        XCTAssertEqual(error("red circle top-centre"), .unknownWord("top-centre"))
        XCTAssertEqual(error("red circle."), .unknownWord("circle."))
        XCTAssertEqual(error("[CLS] red"), .unknownWord("[cls]"))
        XCTAssertEqual(error("[cls]"), .unknownWord("[cls]"))

        let message = QueryError.unknownWord("purpel").description
        XCTAssertTrue(message.contains("\"purpel\""), message)
        XCTAssertTrue(message.hasPrefix("unknown word \"purpel\"; known words: red, green, "), message)
        XCTAssertTrue(message.hasSuffix("bottom, bottom-right"), message)
        for word in ShapesVocabulary.words {
            XCTAssertTrue(message.contains(word), word)
        }
        XCTAssertFalse(message.contains("[CLS]"))
    }

    func testTooManyWords() {
        XCTAssertEqual(words("red red red red red red red red").count, 8)
        XCTAssertEqual(error("red red red red red red red red red"), .tooManyWords(9))
        XCTAssertEqual(error("red green blue yellow pink brown orange purple gray circle"), .tooManyWords(10))
        // Stop words and merged positions do not count against the limit.
        XCTAssertEqual(words("a red circle at the top left").count, 3)
        XCTAssertEqual(words("top left top left top left top left top left top left top left top left").count, 8)
        XCTAssertTrue(QueryError.tooManyWords(9).description.contains("8"))
    }
}
