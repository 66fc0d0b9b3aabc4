import Foundation
import XCTest

@testable import NanoVLMService

/// The hand-written search bodies must be byte-for-byte what JSONEncoder writes.
final class JSONWriterTests: XCTestCase {
    func encoded<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
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
            let response = SearchResponse(query: ImageQuery(bytes: 126, candidates: candidates), k: 8, results: hits())
            XCTAssertEqual(fast(response), try encoded(response))
        }
    }

    func testBatchResponseMatchesJSONEncoder() throws {
        let batch = BatchSearchResponse(
            k: 3, queries: [.init(query: "red", results: hits()), .init(query: "blue \"square\"", results: [])])
        XCTAssertEqual(fast(batch), try encoded(batch))
    }

    func testJSONResponseUsesTheFastPathForSearchBodies() throws {
        let response = try JSON.response(SearchResponse(query: "a/b", k: 1, results: hits()))
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self), try encoded(SearchResponse(query: "a/b", k: 1, results: hits())))
        XCTAssertEqual(response.header("Content-Type"), "application/json")
    }
}
