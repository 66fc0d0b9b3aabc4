import Foundation
import JSON
import XCTest

@testable import NanoVLMService

/// The hand-written search bodies must be byte-for-byte what the service's JSONEncoder
/// writes for the Encodable bodies they stand in for.
final class JSONWriterTests: XCTestCase {
    func encoded<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONCoding.encoder().encode(value), as: UTF8.self)
    }

    /// Text that is awkward to escape: quotes, backslashes, slashes, every control
    /// character, non-ASCII (combining marks, emoji, U+2028, a byte-order mark, DEL).
    static let awkwardTexts: [String] = [
        "", "pink circle top", "quote \" backslash \\ slash / tab \t newline \n bell \u{07} é ✓ 🟣",
        String((0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) }), "\u{7F}\u{85}\u{2028}\u{2029}\u{FEFF}e\u{301}",
        "</script>", #"{"json": "inside"}"#, String(repeating: "long ", count: 200),
    ]

    /// Floats whose shortest form is awkward: tiny, huge, negative zero, exponents, ties.
    static let awkwardFloats: [Float] = [
        1e-7, 0.1, 0.2, 1.0 / 3, -0.0, 0, 1, -1, 100, 1e7, 16_777_216, 1.5e17, 123_456_792, 0.000123,
        .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 3.4e38,
        Float(bitPattern: 0x3F7F_FFFF), 0.9810099, 1.0124012e-05,
    ]

    func awkwardHits(explained: Bool) -> [SearchHit] {
        Self.awkwardFloats.enumerated().map { i, f in
            let text = Self.awkwardTexts[i % Self.awkwardTexts.count]
            return SearchHit(
                rank: i + 1, id: i == 0 ? Int.max : i * 31, caption: text, score: f, probability: -f,
                imageURL: i % 2 == 0 ? nil : "/v1/images/\(i).png?q=\(text)",
                explanation: explained
                    ? Explanation(
                        words: i % 3 == 0 ? [] : [.init(word: text, contribution: f), .init(word: "top-left", contribution: -f / 3)],
                        bias: f / 7)
                    : nil)
        }
    }

    func fast(_ value: FastJSON) -> String {
        var writer = JSONWriter()
        value.write(to: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    func hits() -> [SearchHit] {
        let floats: [Float] = [0.9810099, 1.0124012e-05, 1, 0, -0.052176323, 0.5, 1e-30, -1]
        return floats.enumerated().map { i, f in
            SearchHit(
                rank: i + 1, id: i * 31, caption: "pink circle top", score: f, probability: abs(f) / 2,
                imageURL: i % 3 == 0 ? nil : "/v1/images/\(i).png",
                explanation: i % 2 == 0
                    ? Explanation(words: [.init(word: "pink", contribution: f), .init(word: "top-left", contribution: -f)], bias: 0.02)
                    : nil)
        }
    }

    func testSearchResponseMatchesJSONEncoder() throws {
        for query in ["pink circle top", "quote \" backslash \\ slash / tab \t newline \n bell \u{07} é ✓ 🟣", ""] {
            let response = SearchResponse(query: query, k: 8, results: hits())
            XCTAssertEqual(fast(response), try encoded(response))
        }
        XCTAssertEqual(fast(SearchResponse(query: "x", k: 1, results: [])), try encoded(SearchResponse(query: "x", k: 1, results: [SearchHit]())))
    }

    func testImageSearchResponseMatchesJSONEncoder() throws {
        for candidates in [nil, ["a pink circle", "quote \" here"], []] as [[String]?] {
            let response = SearchResponse(query: ImageQuery(type: "image/png", bytes: 126, candidates: candidates), k: 8, results: hits())
            XCTAssertEqual(fast(response), try encoded(response))
        }
    }

    func testBatchResponseMatchesJSONEncoder() throws {
        let batch = BatchSearchResponse(
            k: 3, queries: [.init(query: "red", results: hits()), .init(query: "blue \"square\"", results: [])])
        XCTAssertEqual(fast(batch), try encoded(batch))
    }

    func testAwkwardTextFloatsAndKMatchJSONEncoder() throws {
        for explained in [false, true] {
            let hits = awkwardHits(explained: explained)
            for text in Self.awkwardTexts {
                for k in [0, 1, 243, 1 << 40, Int.max] {
                    let text = SearchResponse(query: text, k: k, results: hits)
                    XCTAssertEqual(fast(text), try encoded(text))
                }
                let image = SearchResponse(query: ImageQuery(type: "image/jpeg", bytes: Int.max, candidates: [text, "", text]), k: 3, results: hits)
                XCTAssertEqual(fast(image), try encoded(image))
            }
            let batch = BatchSearchResponse(
                k: Int.max, queries: Self.awkwardTexts.map { .init(query: $0, results: hits) })
            XCTAssertEqual(fast(batch), try encoded(batch))
        }
        // Every float on its own, in each place a float is written.
        for f in Self.awkwardFloats {
            let hit = SearchHit(
                rank: 1, id: 0, caption: "c", score: f, probability: f, imageURL: nil,
                explanation: Explanation(words: [.init(word: "w", contribution: f)], bias: f))
            let response = SearchResponse(query: "q", k: 1, results: [hit])
            XCTAssertEqual(fast(response), try encoded(response), "\(f)")
        }
    }

    func testJSONResponseUsesTheFastPathForSearchBodies() throws {
        let response = try JSON.response(SearchResponse(query: "a/b", k: 1, results: hits()))
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self), try encoded(SearchResponse(query: "a/b", k: 1, results: hits())))
        XCTAssertEqual(response.header("Content-Type"), "application/json")
    }

    func testUnknownWordsMatchJSONEncoderAndAreAbsentWhenNil() throws {
        for words in [nil, [], ["zebra"], Self.awkwardTexts] as [[String]?] {
            let single = SearchResponse(query: "pink zebra", k: 8, results: hits(), unknownWords: words)
            XCTAssertEqual(fast(single), try encoded(single))
            let batch = BatchSearchResponse(
                k: 3,
                queries: [
                    .init(query: "red zebra", results: hits(), unknownWords: words), .init(query: "blue", results: []),
                ])
            XCTAssertEqual(fast(batch), try encoded(batch))
        }
        XCTAssertFalse(fast(SearchResponse(query: "q", k: 1, results: [])).contains("unknown_words"))
        XCTAssertTrue(
            fast(SearchResponse(query: "q", k: 1, results: [], unknownWords: ["x"])).hasSuffix(#","unknown_words":["x"]}"#))
    }
}
