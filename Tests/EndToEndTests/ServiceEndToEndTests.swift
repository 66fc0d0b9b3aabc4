import Foundation
import ImageIO
import Datasets
import TestSupport
import XCTest

/// The gallery, model description, live evaluation, metrics, documents, and the HTTP
/// errors every route shares.
final class ServiceEndToEndTests: XCTestCase {
    var fixture: Fixture!
    var client: Client!

    override func setUpWithError() throws {
        fixture = try Fixture.shared()
        client = fixture.server.client
    }

    func testGalleryListsAll243WithTheirSplit() throws {
        let reply = try client.get("/v1/images")
        XCTAssertEqual(reply.status, 200)
        let entries = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(reply.body)) as? [[String: Any]])
        XCTAssertEqual(entries.count, 243)
        XCTAssertEqual(entries.compactMap { $0["id"] as? Int }, Array(0..<243))
        let pink = entries[109]
        XCTAssertEqual(pink["caption"] as? String, "pink circle top")
        XCTAssertEqual(pink["colour"] as? String, "pink")
        XCTAssertEqual(pink["shape"] as? String, "circle")
        XCTAssertEqual(pink["position"] as? String, "top")
        let splits = entries.compactMap { $0["split"] as? String }
        XCTAssertEqual(splits.filter { $0 == "train" }.count, 194)
        XCTAssertEqual(splits.filter { $0 == "validation" }.count, 49)
    }

    func testGalleryImagesArePNGsThatCacheAndUnknownIdsAre404() throws {
        let reply = try client.get("/v1/images/109.png")
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.header("Content-Type"), "image/png")
        XCTAssertTrue(reply.header("Cache-Control")?.contains("max-age") ?? false)
        XCTAssertEqual(try PNGCodec.decode(reply.body), Renderer.canonical(109))
        let etag = try XCTUnwrap(reply.header("ETag"))
        let again = try client.get("/v1/images/109.png", headers: [("If-None-Match", etag)])
        XCTAssertEqual(again.status, 304)
        XCTAssertTrue(again.body.isEmpty)
        for path in ["/v1/images/243.png", "/v1/images/-1.png", "/v1/images/abc.png", "/v1/images/1.jpg", "/v1/images/17"] {
            let missing = try client.get(path)
            XCTAssertEqual(missing.status, 404, path)
            XCTAssertEqual(missing.errorCode, "not_found", path)
        }
    }

    func testModelDescribesArchitectureProvenanceTrainingAndMetrics() throws {
        let reply = try client.get("/v1/model")
        XCTAssertEqual(reply.status, 200, reply.text)
        let body = try reply.object()
        let architecture = try XCTUnwrap(body["architecture"] as? [String: Any])
        XCTAssertEqual(architecture["image_encoder"] as? String, "cnn")
        XCTAssertEqual(architecture["text_encoder"] as? String, "mean")
        XCTAssertEqual(architecture["embedding_dim"] as? Int, 32)
        XCTAssertGreaterThan(architecture["parameters"] as? Int ?? 0, 100_000)
        XCTAssertEqual(body["temperature"] as? Double ?? 0, 0.07, accuracy: 1e-6)
        XCTAssertEqual(body["seed"] as? Int, 0)
        let weights = try XCTUnwrap(body["weights"] as? [String: Any])
        XCTAssertTrue(["trained at start-up", "loaded from file"].contains(weights["source"] as? String ?? ""))
        XCTAssertEqual(weights["path"] as? String, fixture.weightsURL.path)
        XCTAssertEqual(weights["sha256"] as? String, try Self.sha256(of: fixture.weightsURL))
        let training = try XCTUnwrap(body["training"] as? [String: Any])
        XCTAssertEqual(training["epochs"] as? Int, 200)
        XCTAssertNotNil(training["seconds"] as? Double)
        XCTAssertNotNil(training["final_loss"] as? Double)
        let history = try XCTUnwrap(training["history"] as? [[String: Any]])
        XCTAssertEqual(history.count, 200)
        XCTAssertEqual(history.first?["epoch"] as? Int, 1)
        XCTAssertNotNil(history.last?["val_r1_image_to_text"] as? Double)
        XCTAssertNotNil(history.last?["val_r1_text_to_image"] as? Double)
        try Self.checkEvaluation(try XCTUnwrap(body["metrics"] as? [String: Any]))
        let blas = try XCTUnwrap(body["blas"] as? [String: Any])
        XCTAssertFalse((blas["core"] as? String ?? "").isEmpty)
        XCTAssertEqual(blas["threads"] as? Int, 1, "one BLAS thread per request thread when serving")
        XCTAssertFalse((body["version"] as? String ?? "").isEmpty)
    }

    func testEvalComputesTheMetricsLive() throws {
        let reply = try client.get("/v1/eval")
        XCTAssertEqual(reply.status, 200, reply.text)
        try Self.checkEvaluation(try reply.object())
    }

    static func checkEvaluation(_ body: [String: Any], file: StaticString = #filePath, line: UInt = #line) throws {
        func direction(_ value: Any?) throws {
            let metrics = try XCTUnwrap(value as? [String: Any], file: file, line: line)
            for key in ["r1", "r5"] {
                XCTAssertTrue((0...1).contains(metrics[key] as? Double ?? -1), "\(key) \(metrics)", file: file, line: line)
            }
            XCTAssertGreaterThanOrEqual(metrics["mean_rank"] as? Double ?? 0, 1, file: file, line: line)
        }
        func both(_ value: Any?) throws {
            let pair = try XCTUnwrap(value as? [String: Any], file: file, line: line)
            try direction(pair["image_to_text"])
            try direction(pair["text_to_image"])
        }
        let validation = try XCTUnwrap(body["validation"] as? [String: Any], file: file, line: line)
        try both(validation["among_validation"])
        try both(validation["among_all"])
        let robustness = try XCTUnwrap(body["robustness"] as? [String: Any], file: file, line: line)
        try both(robustness["among_all"])
        let perturbations = try XCTUnwrap(robustness["by_perturbation"] as? [String: Any], file: file, line: line)
        XCTAssertEqual(Set(perturbations.keys), ["size", "offset", "antialias", "canvas64", "canvas128"], file: file, line: line)
        for value in perturbations.values { try both(value) }
    }

    static func sha256(of url: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return String(output.prefix(64))
    }

    func testMetricsCountRequestsByRouteAndCode() throws {
        func count(_ text: String, _ series: String) -> Int {
            text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        }
        let series = #"nanovlm_requests_total{route="/v1/search/images",method="GET",code="400"}"#
        let before = count(try client.get("/metrics").text, series)
        for _ in 0..<3 { _ = try client.get("/v1/search/images?q=zebra") }
        let reply = try client.get("/metrics")
        XCTAssertEqual(reply.status, 200)
        XCTAssertTrue(reply.header("Content-Type")?.hasPrefix("text/plain") ?? false)
        let text = reply.text
        XCTAssertEqual(count(text, series), before + 3, text)
        XCTAssertTrue(text.contains("nanovlm_model_ready 1"), text)
        XCTAssertTrue(text.contains("nanovlm_build_info{"), text)
        XCTAssertTrue(text.contains(#"nanovlm_request_duration_seconds_bucket{route="/v1/search/images",le="+Inf"}"#), text)
    }

    func testOpenAPIAndWebPage() throws {
        let openapi = try client.get("/openapi.json")
        XCTAssertEqual(openapi.status, 200)
        XCTAssertEqual(openapi.header("Content-Type"), "application/json")
        XCTAssertNotNil(try openapi.object()["openapi"] as? String)
        let page = try client.get("/")
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.header("Content-Type")?.hasPrefix("text/html") ?? false)
        XCTAssertTrue(page.text.lowercased().contains("<html"))
        XCTAssertTrue(page.text.contains("href=\"/page.css\""))
        XCTAssertTrue(page.text.contains("<script src=\"/page.js\">"))
        let stylesheet = try client.get("/page.css")
        XCTAssertEqual(stylesheet.status, 200)
        XCTAssertEqual(stylesheet.header("Content-Type"), "text/css; charset=utf-8")
        let script = try client.get("/page.js")
        XCTAssertEqual(script.status, 200)
        XCTAssertEqual(script.header("Content-Type"), "text/javascript; charset=utf-8")
        // The page, its stylesheet and script are cached alike.
        for reply in [stylesheet, script] { XCTAssertEqual(reply.header("Cache-Control"), page.header("Cache-Control")) }

        // The binary sends the source tree's files byte for byte.
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/NanoVLMService/Resources")
        for (reply, name) in [(page, "index.html"), (stylesheet, "page.css"), (script, "page.js"), (openapi, "openapi.json")] {
            XCTAssertEqual(reply.body, [UInt8](try Data(contentsOf: sources.appendingPathComponent(name))), name)
        }
    }

    func testWrongMethodsAre405WithAllowAndUnknownPathsAre404() throws {
        let cases: [(String, String, String)] = [
            ("DELETE", "/v1/search/images", "GET, HEAD, POST"),
            ("GET", "/v1/classify", "POST"),
            ("GET", "/v1/search/captions", "POST"),
            ("PUT", "/v1/images/3.png", "GET, HEAD"),
            ("POST", "/healthz", "GET, HEAD"),
            ("GET", "/v1/admin/reload", "POST"),
            ("GET", "/v1/embed/text", "POST"),
        ]
        for (method, path, allow) in cases {
            let reply = try RawHTTP.request(port: client.port, method, path)
            XCTAssertEqual(reply.status, 405, "\(method) \(path)")
            XCTAssertEqual(reply.header("Allow"), allow, "\(method) \(path)")
            XCTAssertEqual(reply.errorCode, "method_not_allowed")
        }
        for path in ["/nope", "/v1", "/v1/search", "/v1/images/1/2.png", "/V1/MODEL"] {
            let reply = try client.get(path)
            XCTAssertEqual(reply.status, 404, path)
            XCTAssertEqual(reply.errorCode, "not_found")
        }
        XCTAssertEqual(try RawHTTP.request(port: client.port, "HEAD", "/healthz").status, 200)
    }

    func testKeepsServingAfterGarbageAndAbruptDisconnects() throws {
        for junk in ["GARBAGE\r\n\r\n", "GET /healthz HTTP/1.1\r\nHost", "POST /v1/classify HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc"] {
            let connection = try RawConnection(port: client.port, timeoutSeconds: RawHTTP.timeoutSeconds)
            try? connection.send(Array(junk.utf8))
            connection.close()
        }
        let connection = try RawConnection(port: client.port, timeoutSeconds: 10)
        try? connection.send(Array("BOGUS\r\n\r\n".utf8))
        _ = try? connection.readUntilClosed()
        connection.close()
        XCTAssertEqual(try client.get("/healthz").status, 200)
        XCTAssertEqual(try client.get("/v1/search/images?q=red").status, 200)
    }

    func testManyConcurrentClientsAllGetAnswers() throws {
        let port = client.port
        let lock = NSLock()
        var statuses: [Int] = []
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            let reply: Reply?
            if i % 2 == 0 {
                reply = try? RawHTTP.request(port: port, "GET", "/v1/search/images?q=red+circle&k=3")
            } else {
                reply = try? RawHTTP.request(
                    port: port, "POST", "/v1/search/captions", headers: [("Content-Type", "image/png")],
                    body: PNGs.canonical(i))
            }
            lock.lock()
            statuses.append(reply?.status ?? -1)
            lock.unlock()
        }
        XCTAssertEqual(statuses.count, 64)
        XCTAssertEqual(Set(statuses), [200], "\(statuses)")
    }

    func testCaptionProbabilitiesAreASoftmaxOverAll243() throws {
        let reply = try client.post("/v1/search/captions?k=243", contentType: "image/png", body: PNGs.canonical(42))
        let results = try XCTUnwrap(try reply.object()["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 243)
        XCTAssertEqual(results.compactMap { $0["probability"] as? Double }.reduce(0, +), 1, accuracy: 1e-4)
        XCTAssertEqual(Set(results.compactMap { $0["id"] as? Int }).count, 243)
    }
}
