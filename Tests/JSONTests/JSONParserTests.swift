import Foundation
import XCTest

@testable import JSON

final class JSONParserTests: XCTestCase {
    // MARK: What is kept

    func testObjectsKeepKeyOrderAndRepeatedKeys() throws {
        let value = try parse(#"{"b": 1, "a": [true, null], "b": "again"}"#)
        guard case .object(let object) = value else { return XCTFail("\(value)") }
        XCTAssertEqual(object.keys, ["b", "a", "b"])
        XCTAssertEqual(object.firstRepeatedKey, "b")
        XCTAssertEqual(object["b"], .int(1), "the first of repeated members is the one read")
        XCTAssertEqual(object["a"], .array([.bool(true), .null]))
        XCTAssertNil(try objectOf(#"{"a": 1, "b": 2}"#).firstRepeatedKey)
    }

    func testIntegersDoublesAndBooleansStayApart() throws {
        XCTAssertEqual(try parse("[1, 1.0, 1e0, true]"), .array([.int(1), number("1.0"), number("1e0"), .bool(true)]))
        XCTAssertEqual(try parse("[1, 1.0, true, 0.5]").arrayTypeNames, ["integer", "integer", "boolean", "number"])
        let exact = try XCTUnwrap(try parse("9007199254740993").number)
        XCTAssertEqual(exact.integer, 9_007_199_254_740_993, "integers are exact, not rounded through Double")
        XCTAssertNil(try XCTUnwrap(try parse("2.0").number).integer, "only an integer literal is an integer")
    }

    func testHugeAndTinyNumbersKeepTheirText() throws {
        let big = try XCTUnwrap(try parse("12345678901234567890").number)
        XCTAssertEqual(big.text, "12345678901234567890")
        XCTAssertNil(big.integer)
        XCTAssertNil(big.wholeValue)
        XCTAssertEqual(big.double, Double("12345678901234567890"))
        let huge = try XCTUnwrap(try parse("-1e400").number)
        XCTAssertNil(huge.double, "beyond Double's range")
        XCTAssertEqual(JSONValue.number(huge).kindDescription, "the number -1e400")
        XCTAssertEqual(JSONValue.number(huge).typeName, "number")
        XCTAssertEqual(try XCTUnwrap(try parse("1e-400").number).double, 0)
        XCTAssertEqual(try parse("\(Int.max)").number?.integer, Int.max)
        XCTAssertEqual(try parse("\(Int.min)").number?.integer, Int.min)
        XCTAssertNil(try parse("9223372036854775808").number?.integer)
    }

    /// The service reads a whole number wherever `JSONDecoder` would read an `Int`; the two
    /// must agree, or a value the service accepts would then fail to decode.
    func testWholeValueAgreesWithJSONDecoder() throws {
        let literals = [
            "0", "-0", "-0.0", "5", "5.0", "5.5", "1e2", "1E+2", "2.5e1", "0.5e1", "10e-1", "1e-400", "4.9999999999999999999",
            "-7", "-7.25", "123456789", "1e15", "9007199254740992", "9223372036854775807", "-9223372036854775808",
            "9223372036854775808", "-9223372036854775809", "12345678901234567890", "1e400", "1.5e300", "0.1",
        ]
        for literal in literals {
            let number = try XCTUnwrap(try parse(literal).number, literal)
            let decoded = try? JSONDecoder().decode(Int.self, from: Data(literal.utf8))
            XCTAssertEqual(number.wholeValue, decoded, literal)
        }
    }

    func testStringsAndEscapes() throws {
        XCTAssertEqual(try parse(#""a\"b\\c\/d\b\f\n\r\t""#), .string("a\"b\\c/d\u{08}\u{0C}\n\r\t"))
        XCTAssertEqual(try parse(#""\u00e9\u00E9 \ud83d\udfe3 é""#), .string("éé 🟣 é"))
        XCTAssertEqual(try parse(#""\u0000""#), .string("\u{0}"))
    }

    func testWhitespaceAroundAndBetween() throws {
        XCTAssertEqual(try parse(" \t\r\n{ \"a\" : [ ] }\n "), .object(JSONObject([("a", .array([]))])))
    }

    // MARK: What is refused, and the message

    func testGarbage() {
        assertRefused("", "the JSON ends early at byte 0")
        assertRefused("   ", "the JSON ends early at byte 3")
        assertRefused("hello", "unexpected character 'h' at byte 0")
        assertRefused("nul", "unexpected text (expected null) at byte 0")
        assertRefused("{'a': 1}", "expected a quoted key at byte 1")
        assertRefused("{1: 2}", "expected a quoted key at byte 1")
        assertRefused(#"{"a" 1}"#, "expected ':' after a key at byte 5")
        assertRefused(#"{"a": 1} trailing"#, "unexpected text after the JSON value at byte 9")
        assertRefused("// a comment\n{}", "unexpected character '/' at byte 0")
        assertRefused("[NaN]", "unexpected character 'N' at byte 1")
        assertRefused("\u{FEFF}{}", "unexpected character 'ï' at byte 0")
        assertRefused("{\"a\": 1}\u{0}", "unexpected text after the JSON value at byte 8")
    }

    func testTrailingCommas() {
        assertRefused(#"{"a": {"dtype": "F32",}"#, "expected a quoted key at byte 22")
        assertRefused("[1,]", "unexpected character ']' at byte 3")
        assertRefused("[1 2]", "expected ',' or ']' in an array at byte 3")
        assertRefused(#"{"a": 1 "b": 2}"#, "expected ',' or '}' in an object at byte 8")
    }

    func testTruncatedInput() {
        let document = #"{"a": [1, 2.5, "x\u00e9"], "b": {"c": true}}"#
        // Every proper prefix is refused with a message; none crashes or is accepted.
        for length in 0..<document.utf8.count {
            let prefix = Array(document.utf8.prefix(length))
            XCTAssertThrowsError(try JSONValue.parse(prefix), "prefix of \(length) bytes") { error in
                XCTAssertTrue(error is JSONParseError, "\(error)")
            }
        }
        assertRefused("[", "the JSON ends early at byte 1")
        assertRefused("[1", "the JSON ends inside an array at byte 2")
        assertRefused(#"{"training": {"epochs": 1"#, "the JSON ends inside an object at byte 25")
        assertRefused(#"{"a"#, "the JSON ends inside a string at byte 3")
        assertRefused(#""\"#, "the JSON ends inside a string at byte 2")
        assertRefused(#""\u12"#, #"the JSON ends inside a \u escape at byte 3"#)
        assertRefused("tru", "unexpected text (expected true) at byte 0")
    }

    func testBadNumbers() {
        assertRefused("01", "numbers may not have leading zeros at byte 2")
        assertRefused("-", "a number needs digits at byte 1")
        assertRefused("+1", "unexpected character '+' at byte 0")
        assertRefused(".5", "unexpected character '.' at byte 0")
        assertRefused("1.", "a number needs digits after '.' at byte 2")
        assertRefused("1e", "a number needs digits in its exponent at byte 2")
        assertRefused("1e+", "a number needs digits in its exponent at byte 3")
    }

    func testBadStrings() {
        assertRefused("\"a\tb\"", "an unescaped control character in a string at byte 3")
        assertRefused(#""\x""#, #"an unknown escape '\x' in a string at byte 3"#)
        assertRefused(#""\u12g4""#, #"a bad \u escape in a string at byte 5"#)
        assertRefused(#""\ud800""#, "a lone UTF-16 surrogate in a string at byte 7")
        assertRefused(#""\ud800\u0041""#, "a lone UTF-16 surrogate in a string at byte 13")
        assertRefused(#""\udc00""#, "a lone UTF-16 surrogate in a string at byte 7")
    }

    func testDeepNesting() throws {
        let deepest = String(repeating: "[", count: JSONParser.maximumDepth) + String(repeating: "]", count: JSONParser.maximumDepth)
        XCTAssertNoThrow(try parse(deepest))
        assertRefused("[" + deepest + "]", "the JSON nests deeper than 64 levels at byte 64")
        assertRefused(String(repeating: "[", count: 10_000), "the JSON nests deeper than 64 levels at byte 64")
        assertRefused(String(repeating: #"{"a":"#, count: 100), "the JSON nests deeper than 64 levels at byte 320")
    }

    func testInvalidUTF8() {
        assertRefused(bytes: [0x22, 0xFF, 0x22], "a string is not valid UTF-8 at byte 0")
        assertRefused(bytes: Array(#"{"k": ""#.utf8) + [0xC3] + Array(#""}"#.utf8), "a string is not valid UTF-8 at byte 6")
        assertRefused(bytes: [0x22, 0xED, 0xA0, 0x80, 0x22], "a string is not valid UTF-8 at byte 0")  // an encoded surrogate
        assertRefused(bytes: [0x22, 0xC0, 0xAF, 0x22], "a string is not valid UTF-8 at byte 0")  // overlong '/'
        assertRefused(bytes: [0xFE, 0xFF, 0x00, 0x7B, 0x00, 0x7D], "unexpected character 'þ' at byte 0")  // UTF-16
        XCTAssertEqual(try JSONValue.parse([0x22, 0xC3, 0xA9, 0x22]), .string("é"))
    }

    func testRandomBytesNeverCrash() {
        var state: UInt64 = 99
        func next() -> UInt8 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        let alphabet = Array(#"{}[]":,.-+eE0123456789 \tnultrfase\u"#.utf8) + [0xC3, 0xA9, 0xFF, 0x00]
        for _ in 0..<5000 {
            let bytes = (0..<Int(next() % 24)).map { _ in alphabet[Int(next()) % alphabet.count] }
            do {
                let value = try JSONValue.parse(bytes)
                XCTAssertEqual(try JSONValue.parse(value.serialized), value, String(decoding: bytes, as: UTF8.self))
            } catch {
                XCTAssertTrue(error is JSONParseError, "\(error)")
            }
        }
    }

    // MARK: Helpers

    private func parse(_ text: String) throws -> JSONValue { try JSONValue.parse(Array(text.utf8)) }

    private func objectOf(_ text: String) throws -> JSONObject {
        guard case .object(let object) = try parse(text) else { throw JSONParseError(message: "not an object", offset: 0) }
        return object
    }

    private func number(_ literal: String) -> JSONValue { .number(JSONNumber(validLiteral: literal)) }

    private func assertRefused(_ text: String, _ description: String, line: UInt = #line) {
        assertRefused(bytes: Array(text.utf8), description, line: line)
    }

    private func assertRefused(bytes: [UInt8], _ description: String, line: UInt = #line) {
        XCTAssertThrowsError(try JSONValue.parse(bytes), line: line) { error in
            XCTAssertEqual((error as? JSONParseError)?.description, description, line: line)
        }
    }
}

extension JSONValue {
    fileprivate var number: JSONNumber? {
        if case .number(let number) = self { return number }
        return nil
    }

    fileprivate var arrayTypeNames: [String] {
        if case .array(let elements) = self { return elements.map(\.typeName) }
        return []
    }
}
