import Foundation
import XCTest

/// Liveness at once, readiness only after training and the self-test (docs/API.md).
final class ReadinessEndToEndTests: XCTestCase {
    func testBeforeReadyLiveButNotReadyAndModelEndpointsAsk503WithRetryAfter() throws {
        let early = try Fixture.shared().beforeReady
        for name in ["healthz", "livez"] {
            let reply = try XCTUnwrap(early[name])
            XCTAssertEqual(reply.status, 200, name)
            XCTAssertEqual(try reply.object()["status"] as? String, "ok")
        }
        let ready = try XCTUnwrap(early["readyz"])
        XCTAssertEqual(ready.status, 503)
        XCTAssertNotNil(ready.header("Retry-After"))

        let verbose = try XCTUnwrap(early["readyz_verbose"])
        XCTAssertEqual(verbose.status, 503)
        let body = try verbose.object()
        XCTAssertEqual(body["stage"] as? String, "training")
        let checks = try XCTUnwrap(body["checks"] as? [[String: Any]])
        XCTAssertEqual(checks.compactMap { $0["name"] as? String }, ["weights", "image_embeddings", "caption_embeddings", "self_test"])
        let weights = checks[0]
        XCTAssertEqual(weights["state"] as? String, "running")
        XCTAssertEqual(weights["epochs"] as? Int, 200)
        XCTAssertNotNil(weights["epoch"] as? Int)
        XCTAssertTrue((weights["detail"] as? String ?? "").contains("of 200"), "\(weights)")

        for name in ["search", "captions"] {
            let reply = try XCTUnwrap(early[name])
            XCTAssertEqual(reply.status, 503, name)
            XCTAssertEqual(reply.header("Retry-After"), "5")
            XCTAssertEqual(reply.errorCode, "not_ready")
        }
        let metrics = try XCTUnwrap(early["metrics"]).text
        XCTAssertTrue(metrics.contains("nanovlm_model_ready 0"), metrics)
    }

    func testReadyAfterStartUpWithEveryCheckPassed() throws {
        let client = try Fixture.shared().server.client
        let ready = try client.get("/readyz")
        XCTAssertEqual(ready.status, 200)
        XCTAssertEqual(try ready.object()["status"] as? String, "ready")
        let verbose = try client.get("/readyz?verbose")
        let checks = try XCTUnwrap(try verbose.object()["checks"] as? [[String: Any]])
        XCTAssertEqual(checks.count, 4)
        for check in checks { XCTAssertEqual(check["state"] as? String, "ok", "\(check)") }
        XCTAssertEqual(try client.get("/healthz").status, 200)
        XCTAssertEqual(try client.get("/livez").status, 200)
    }
}
