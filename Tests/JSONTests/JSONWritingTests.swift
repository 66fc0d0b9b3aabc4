import Foundation
import XCTest

@testable import JSON

final class JSONWritingTests: XCTestCase {
    /// Every control character, the characters JSON escapes, and text that needs none.
    static let awkwardStrings: [String] = [
        "", "plain", "a/b", "quote \" backslash \\", "é ✓ 🟣 e\u{301} \u{FEFF} \u{7F} \u{85}",
        String((0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) }),
        "line\u{2028}para\u{2029}end",
    ]

    func testStringsAreEscapedAsJSONEncoderEscapesThem() throws {
        let encoder = JSONCoding.encoder()
        for text in Self.awkwardStrings {
            XCTAssertEqual(JSONString.quoted(text), String(decoding: try encoder.encode(text), as: UTF8.self), text.debugDescription)
        }
    }

    func testLineSeparatorsEscapedOnRequest() {
        XCTAssertEqual(JSONString.quoted("a\u{2028}b\u{2029}c", escapingLineSeparators: true), #""a\u2028b\u2029c""#)
        XCTAssertEqual(JSONString.quoted("\"\u{1F}✓\n", escapingLineSeparators: true), #""\"\u001f✓\n""#)
        XCTAssertEqual(JSONString.quoted("\u{2028}"), "\"\u{2028}\"")
    }

    func testSerializedIsCompactAndInOrder() throws {
        let text = #"{"z":[1,-2.5e-7,true,false,null],"a":{"s":"x\"y","e":{}},"z":[]}"#
        let value = try JSONValue.parse(Array(text.utf8))
        XCTAssertEqual(String(decoding: value.serialized, as: UTF8.self), text)
        XCTAssertEqual(String(decoding: JSONValue.int(-3).serialized, as: UTF8.self), "-3")
        XCTAssertEqual(JSONValue.double(0.07).map { String(decoding: $0.serialized, as: UTF8.self) }, "0.07")
        XCTAssertNil(JSONValue.double(.infinity))
        for text in Self.awkwardStrings {
            XCTAssertEqual(try JSONValue.parse(JSONValue.string(text).serialized), .string(text))
        }
    }

    func testObjectSubscriptReplacesInPlaceOrAppends() {
        var object = JSONObject([("b", .int(1)), ("a", .int(2))])
        object["b"] = .int(3)
        object["c"] = .null
        XCTAssertEqual(object, JSONObject([("b", .int(3)), ("a", .int(2)), ("c", .null)]))
        object["a"] = nil
        XCTAssertEqual(object.keys, ["b", "c"])
    }

    func testEncoderOptions() throws {
        struct Body: Encodable {
            let url = "/v1/images/1.png"
            let b = 1
            let a = [0.1, 1e-7]
        }
        func text(_ encoder: JSONEncoder) throws -> String { String(decoding: try encoder.encode(Body()), as: UTF8.self) }
        XCTAssertEqual(try text(JSONCoding.encoder()), #"{"a":[0.1,1e-07],"b":1,"url":"/v1/images/1.png"}"#)
        XCTAssertEqual(try text(JSONCoding.encoder(escapingSlashes: true)), #"{"a":[0.1,1e-07],"b":1,"url":"\/v1\/images\/1.png"}"#)
        XCTAssertEqual(
            try text(JSONCoding.encoder(prettyPrinted: true)),
            "{\n  \"a\" : [\n    0.1,\n    1e-07\n  ],\n  \"b\" : 1,\n  \"url\" : \"/v1/images/1.png\"\n}")
        XCTAssertEqual(JSONCoding.encoder(sortedKeys: false).outputFormatting, [.withoutEscapingSlashes])
    }
}
