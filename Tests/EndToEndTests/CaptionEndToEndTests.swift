import Foundation
import ImageIO
import Datasets
import TestSupport
import XCTest

/// `POST /v1/caption` against the real binary: the shared model writes the captions of
/// validation images it never saw captioned, raw and multipart, PNG and JPEG; every setting
/// out of range and every bad body gets its documented status; weights without a decoder
/// answer 404 `no_decoder`.
final class CaptionEndToEndTests: XCTestCase {
    var client: Client!

    override func setUpWithError() throws {
        client = try Fixture.shared().server.client
    }

    func caption(_ reply: Reply, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        XCTAssertEqual(reply.status, 200, reply.text, file: file, line: line)
        return try reply.object()
    }

    /// Every validation image, captioned over HTTP, is judged as `eval` judges it: the share
    /// that is exactly its caption equals the served metrics' figure, and is high.
    func testValidationImagesGetTheirCaptionsAsTheMetricsSay() throws {
        let page = try client.get("/v1/images?limit=243").object()
        let items = try XCTUnwrap(page["items"] as? [[String: Any]])
        let validation = items.filter { $0["split"] as? String == "validation" }
        XCTAssertEqual(validation.count, 49)
        var right = 0
        for item in validation {
            let id = try XCTUnwrap(item["id"] as? Int)
            let body = try caption(try client.post("/v1/caption", contentType: "image/png", body: PNGs.canonical(id)))
            if body["caption"] as? String == item["caption"] as? String { right += 1 }
        }
        let metrics = try XCTUnwrap(try client.get("/v1/model").object()["metrics"] as? [String: Any])
        let captioning = try XCTUnwrap(metrics["captioning"] as? [String: Any])
        let decoder = try XCTUnwrap((captioning["validation"] as? [String: Any])?["decoder"] as? [String: Any])
        let exact = try XCTUnwrap(decoder["exact_match"] as? Double)
        print("captions of the 49 validation images over HTTP: \(right) exactly right; the metrics say \(exact)")
        XCTAssertEqual(Double(right) / 49, exact, accuracy: 1e-9)
        XCTAssertGreaterThanOrEqual(exact, 0.9)
        XCTAssertEqual(decoder["parses"] as? Double, 1, "every written caption is one the grammar says")
    }

    func testAlternativesBeamsAndMaxWords() throws {
        let png = PNGs.canonical(109)  // pink circle top
        let body = try caption(try client.post("/v1/caption?beam=4&n=4", contentType: "image/png", body: png))
        XCTAssertEqual(body["caption"] as? String, "pink circle top")
        XCTAssertEqual(body["beam"] as? Int, 4)
        XCTAssertEqual(body["max_words"] as? Int, 8)
        let alternatives = try XCTUnwrap(body["alternatives"] as? [[String: Any]])
        XCTAssertEqual(alternatives.count, 4)
        XCTAssertEqual(alternatives.first?["caption"] as? String, "pink circle top")
        let scores = alternatives.compactMap { $0["log_probability"] as? Double }
        XCTAssertEqual(scores, scores.sorted(by: >), "best first")
        XCTAssertEqual(scores.first, body["log_probability"] as? Double)
        XCTAssertLessThanOrEqual(scores.first ?? 1, 0)
        XCTAssertEqual(Set(alternatives.compactMap { $0["caption"] as? String }).count, 4, "distinct")
        // Greedy is beam 1; the default is beam 3 with one caption.
        let greedy = try caption(try client.post("/v1/caption?beam=1", contentType: "image/png", body: png))
        XCTAssertEqual(greedy["caption"] as? String, "pink circle top")
        let plain = try caption(try client.post("/v1/caption", contentType: "image/png", body: png))
        XCTAssertEqual(plain["beam"] as? Int, 3)
        XCTAssertEqual((plain["alternatives"] as? [Any])?.count, 1)
        // Two words at most: every alternative is cut to fit.
        let short = try caption(try client.post("/v1/caption?max_words=2&beam=3&n=3", contentType: "image/png", body: png))
        for a in try XCTUnwrap(short["alternatives"] as? [[String: Any]]) {
            XCTAssertLessThanOrEqual((a["caption"] as? String)?.split(separator: " ").count ?? 99, 2, "\(a)")
        }
    }

    func testMultipartAndJPEGUploads() throws {
        let jpeg = try JPEGCodec.encode(Renderer.canonical(17), quality: 95, subsampling: .chroma444)
        let expected = try XCTUnwrap(Pair(id: 17)?.caption)
        let raw = try caption(try client.post("/v1/caption", contentType: "image/jpeg", body: jpeg))
        XCTAssertEqual(raw["caption"] as? String, expected)
        XCTAssertEqual((raw["query"] as? [String: Any])?["type"] as? String, "image/jpeg")
        let form = try caption(
            try client.postForm("/v1/caption", fields: [("beam", "2"), ("n", "2")], file: ("image", PNGs.canonical(17))))
        XCTAssertEqual(form["caption"] as? String, expected)
        XCTAssertEqual(form["beam"] as? Int, 2)
        XCTAssertEqual((form["alternatives"] as? [Any])?.count, 2)
        // The query string wins over a form field of the same name.
        let both = try caption(
            try client.postForm("/v1/caption?beam=1", fields: [("beam", "5")], file: ("file", PNGs.canonical(17))))
        XCTAssertEqual(both["beam"] as? Int, 1)
    }

    func testSettingsOutOfRangeNameTheSetting() throws {
        let png = PNGs.canonical(5)
        let cases: [(String, String)] = [
            ("beam=0", "beam"), ("beam=9", "beam"), ("beam=abc", "beam"), ("beam=", "beam"), ("beam=2.5", "beam"),
            ("beam=99999999999999999999", "beam"), ("n=0", "n"), ("n=4", "n"), ("beam=2&n=3", "n"), ("n=x", "n"),
            ("max_words=0", "max_words"), ("max_words=16", "max_words"), ("max_words=-1", "max_words"),
            ("max_words=%00", "max_words"),
        ]
        for (query, name) in cases {
            let reply = try client.post("/v1/caption?\(query)", contentType: "image/png", body: png)
            XCTAssertEqual(reply.status, 400, "\(query): \(reply.text)")
            XCTAssertEqual(reply.errorCode, "invalid_parameter", query)
            XCTAssertTrue(reply.errorMessage?.hasPrefix("\(name) must be an integer from 1 to") ?? false, "\(query): \(reply.text)")
        }
        // A bad query-string setting is refused before the body is read: even a non-image body gets the 400.
        let early = try client.post("/v1/caption?beam=0", contentType: "image/png", body: Array("not a png".utf8))
        XCTAssertEqual(early.status, 400, early.text)
        let form = try client.postForm("/v1/caption", fields: [("n", "seven")], file: ("image", png))
        XCTAssertEqual(form.status, 400, form.text)
        XCTAssertEqual(form.errorCode, "invalid_parameter")
        XCTAssertEqual(try client.post("/v1/caption", contentType: "image/png", body: png).status, 200, "still serving")
    }

    func testBadBodiesGetTheFittingStatus() throws {
        let cases = PNGs.badUploads + [
            ("truncated JPEG", "image/jpeg", Array(try JPEGCodec.encode(Renderer.canonical(3), quality: 90).prefix(200)), 400),
        ]
        for (name, type, body, status) in cases {
            let reply = try client.post("/v1/caption", contentType: type, body: body)
            XCTAssertEqual(reply.status, status, "\(name): \(reply.text)")
            XCTAssertNotNil(reply.errorMessage, name)
        }
        let get = try client.get("/v1/caption")
        XCTAssertEqual(get.status, 405)
        XCTAssertEqual(try client.post("/v1/caption", contentType: "image/png", body: PNGs.canonical(3)).status, 200)
    }

    /// Weights trained without a decoder serve everything else, and /v1/caption says why not.
    func testWeightsWithoutADecoderAnswerNoDecoder() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nanovlm-nodec-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("config.json")
        try Data(#"{"min_gallery_r1": 0, "training": {"epochs": 2}, "model": {"caption": {"enabled": false}}}"#.utf8)
            .write(to: config)
        let server = try ServerProcess(
            directory: directory,
            arguments: ["--config", config.path, "--weights", directory.appendingPathComponent("w.safetensors").path])
        defer { server.stop() }
        try server.waitUntilReady(timeout: 120)
        let reply = try server.client.post("/v1/caption", contentType: "image/png", body: PNGs.canonical(0))
        XCTAssertEqual(reply.status, 404, reply.text)
        XCTAssertEqual(reply.errorCode, "no_decoder")
        XCTAssertTrue(reply.errorMessage?.contains("/v1/search/captions") ?? false, reply.text)
        let model = try server.client.get("/v1/model").object()
        let architecture = try XCTUnwrap(model["architecture"] as? [String: Any])
        XCTAssertTrue(architecture["caption_decoder"] is NSNull, "\(architecture)")
        XCTAssertNil((model["metrics"] as? [String: Any])?["captioning"])
        XCTAssertEqual(try server.client.post("/v1/search/captions", contentType: "image/png", body: PNGs.canonical(0)).status, 200)
    }
}
