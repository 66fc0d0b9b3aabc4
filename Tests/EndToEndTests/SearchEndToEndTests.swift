import Foundation
import TestSupport
import XCTest

/// Text → image over HTTP: GET, POST, batch, explain, and every way a query can be wrong.
final class SearchEndToEndTests: XCTestCase {
    var client: Client!

    override func setUpWithError() throws {
        client = try Fixture.shared().server.client
    }

    func results(_ reply: Reply, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        XCTAssertEqual(reply.status, 200, reply.text, file: file, line: line)
        return try XCTUnwrap(try reply.object()["results"] as? [[String: Any]], file: file, line: line)
    }

    func testGETRanksTheMatchingImageFirstWithTheSpecShape() throws {
        let reply = try client.get("/v1/search/images?q=pink+circle+top&k=7")
        XCTAssertEqual(reply.header("Content-Type"), "application/json")
        let body = try reply.object()
        XCTAssertEqual(body["query"] as? String, "pink circle top")
        XCTAssertEqual(body["k"] as? Int, 7)
        let hits = try results(reply)
        XCTAssertEqual(hits.count, 7)
        XCTAssertEqual(hits[0]["caption"] as? String, "pink circle top")
        XCTAssertEqual(hits[0]["id"] as? Int, 4 * 27 + 0 * 9 + 1)
        XCTAssertEqual(hits[0]["image_url"] as? String, "/v1/images/109.png")
        XCTAssertEqual(hits.compactMap { $0["rank"] as? Int }, Array(1...7))
        let scores = hits.compactMap { $0["score"] as? Double }
        XCTAssertEqual(scores, scores.sorted(by: >))
        for hit in hits {
            let probability = try XCTUnwrap(hit["probability"] as? Double)
            XCTAssertTrue((0...1).contains(probability))
        }
        XCTAssertEqual(try results(try client.get("/v1/search/images?q=red")).count, 5, "default k is 5")
        XCTAssertEqual(try results(try client.get("/v1/search/images?q=red&k=243")).count, 243)
    }

    func testForgivingAndPartialQueries() throws {
        let forgiving = try results(try client.get("/v1/search/images?q=%20The%20PINK%20circle%20at%20the%20Top%20"))
        XCTAssertEqual(forgiving.first?["caption"] as? String, "pink circle top")
        let synonyms = try results(try client.get("/v1/search/images?q=grey+square+top+left&k=1"))
        XCTAssertEqual(synonyms.first?["caption"] as? String, "gray square top-left")
        let partial = try results(try client.get("/v1/search/images?q=circle+top&k=9"))
        for hit in partial { XCTAssertTrue((hit["caption"] as? String ?? "").hasSuffix("circle top"), "\(hit)") }
    }

    func testExplainContributionsSumToTheScore() throws {
        let hits = try results(try client.get("/v1/search/images?q=pink+circle+top&k=20&explain=true"))
        XCTAssertEqual(hits.count, 20)
        for hit in hits {
            let score = try XCTUnwrap(hit["score"] as? Double)
            let explanation = try XCTUnwrap(hit["explanation"] as? [String: Any])
            let words = try XCTUnwrap(explanation["words"] as? [[String: Any]])
            XCTAssertEqual(words.compactMap { $0["word"] as? String }, ["pink", "circle", "top"])
            let sum = words.compactMap { $0["contribution"] as? Double }.reduce(0, +)
            let bias = try XCTUnwrap(explanation["bias"] as? Double)
            XCTAssertEqual(sum + bias, score, accuracy: 1e-5, "\(hit)")
        }
        let plain = try results(try client.get("/v1/search/images?q=red&k=1"))
        XCTAssertNil(plain[0]["explanation"])
    }

    func testPOSTSingleAndBatch() throws {
        let single = try client.post("/v1/search/images", json: #"{"q": "blue square centre", "k": 2}"#)
        let hits = try results(single)
        XCTAssertEqual(hits.count, 2)
        XCTAssertEqual(hits[0]["caption"] as? String, "blue square centre")

        let queries = ["red circle left", "green triangle bottom", "yellow"]
        let batchJSON = "{\"queries\": [\(queries.map { "\"\($0)\"" }.joined(separator: ", "))], \"k\": 3}"
        let batch = try client.post("/v1/search/images", json: batchJSON)
        XCTAssertEqual(batch.status, 200, batch.text)
        let body = try batch.object()
        XCTAssertEqual(body["k"] as? Int, 3)
        let entries = try XCTUnwrap(body["queries"] as? [[String: Any]])
        XCTAssertEqual(entries.compactMap { $0["query"] as? String }, queries)
        for entry in entries { XCTAssertEqual((entry["results"] as? [Any])?.count, 3) }
        XCTAssertEqual(((entries[0]["results"] as? [[String: Any]])?.first)?["caption"] as? String, "red circle left")

        let explained = try client.post("/v1/search/images", json: #"{"queries": ["red circle"], "k": 1, "explain": true}"#)
        let first = try XCTUnwrap(((try explained.object()["queries"] as? [[String: Any]])?.first?["results"] as? [[String: Any]])?.first)
        XCTAssertNotNil(first["explanation"])

        let sixtyFour = "{\"queries\": [" + Array(repeating: "\"red\"", count: 64).joined(separator: ",") + "], \"k\": 1}"
        XCTAssertEqual(try client.post("/v1/search/images", json: sixtyFour).status, 200)
        let sixtyFive = "{\"queries\": [" + Array(repeating: "\"red\"", count: 65).joined(separator: ",") + "]}"
        let tooMany = try client.post("/v1/search/images", json: sixtyFive)
        XCTAssertEqual(tooMany.status, 400)
        XCTAssertTrue(tooMany.errorMessage?.contains("64") ?? false)
    }

    func testBadQueriesAre400WithTheParsersMessage() throws {
        let unknown = try client.get("/v1/search/images?q=pink+elephant")
        XCTAssertEqual(unknown.status, 400)
        XCTAssertEqual(unknown.errorCode, "unknown_word")
        let message = try XCTUnwrap(unknown.errorMessage)
        XCTAssertTrue(message.contains("elephant") && message.contains("circle") && message.contains("bottom-right"), message)

        let empty = try client.get("/v1/search/images?q=")
        XCTAssertEqual(empty.status, 400)
        XCTAssertEqual(empty.errorCode, "empty_query")
        XCTAssertEqual(try client.get("/v1/search/images?q=the+a+of").status, 400)
        let long = try client.get("/v1/search/images?q=" + Array(repeating: "red", count: 90).joined(separator: "+"))
        XCTAssertEqual(long.status, 400)
        XCTAssertEqual(long.errorCode, "query_too_long")
        XCTAssertEqual(try client.get("/v1/search/images").status, 400, "q is required")

        for k in ["0", "244", "abc", "2.5", "-1", "99999999999999999999999"] {
            let reply = try client.get("/v1/search/images?q=red&k=\(k)")
            XCTAssertEqual(reply.status, 400, "k=\(k)")
            XCTAssertEqual(reply.errorCode, "invalid_k")
            XCTAssertTrue(reply.errorMessage?.contains("k") ?? false)
        }
        XCTAssertEqual(try client.get("/v1/search/images?q=red&explain=maybe").status, 400)
        XCTAssertEqual(try client.post("/v1/search/images", json: #"{"q": "red", "k": 0}"#).errorCode, "invalid_k")
        XCTAssertEqual(try client.post("/v1/search/images", json: #"{"queries": ["red", "blue dragon"]}"#).errorCode, "unknown_word")
        // The server keeps serving after all of that.
        XCTAssertEqual(try client.get("/v1/search/images?q=red").status, 200)
    }

    func testBadJSONBodies() throws {
        let cases: [(String, String?)] = [
            (#"{"q": "red""#, nil),  // malformed
            ("", nil),  // empty
            (#"{"q": 5}"#, "q"),  // wrong type
            (#"{"q": "red", "k": "5"}"#, "k"),
            (#"{"q": "red", "explain": "yes"}"#, "explain"),
            (#"{"queries": "red"}"#, "queries"),
            (#"{"queries": ["red", 7]}"#, "queries[1]"),
            (#"{"queries": []}"#, "queries"),
            (#"{"k": 5}"#, "q"),  // missing
            (#"{"q": "red", "top": 5}"#, "top"),  // unknown field
            (#"["red"]"#, nil),
            (#"{"q": "red", "queries": ["blue"]}"#, "queries"),
        ]
        for (body, field) in cases {
            let reply = try client.post("/v1/search/images", json: body)
            XCTAssertEqual(reply.status, 400, body)
            if let field { XCTAssertTrue(reply.errorMessage?.contains(field) ?? false, "\(body): \(reply.text)") }
        }
        let wrongType = try client.post("/v1/search/images", contentType: "text/plain", body: Array(#"{"q": "red"}"#.utf8))
        XCTAssertEqual(wrongType.status, 415)
        let missingType = try client.post("/v1/search/images", contentType: nil, body: Array(#"{"q": "red"}"#.utf8))
        XCTAssertEqual(missingType.status, 415)
        XCTAssertEqual(try client.post("/v1/search/images", json: #"{"q": "red"}"#).status, 200)
    }
}
