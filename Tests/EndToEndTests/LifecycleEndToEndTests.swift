import Foundation
import TestSupport
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// Reload (admin endpoint and SIGHUP), graceful SIGTERM, and start-up errors.
final class LifecycleEndToEndTests: XCTestCase {
    func testAdminReloadNeedsTheConfiguredBearerToken() throws {
        let fixture = try Fixture.shared()
        let port = fixture.server.port
        func reload(_ headers: [(String, String)]) throws -> Reply {
            try RawHTTP.request(port: port, "POST", "/v1/admin/reload", headers: headers)
        }
        let missing = try reload([])
        XCTAssertEqual(missing.status, 401)
        XCTAssertTrue(missing.header("WWW-Authenticate")?.hasPrefix("Bearer") ?? false)
        XCTAssertEqual(try reload([("Authorization", "Basic dXNlcjpwYXNz")]).status, 401)
        XCTAssertEqual(try reload([("Authorization", "Bearer wrong-token")]).status, 403)
        XCTAssertEqual(try reload([("Authorization", "Bearer \(fixture.adminToken)x")]).status, 403)

        let good = try reload([("Authorization", "Bearer \(fixture.adminToken)")])
        XCTAssertEqual(good.status, 200, good.text)
        let body = try good.object()
        XCTAssertEqual(body["status"] as? String, "reloaded")
        let weights = try XCTUnwrap(body["weights"] as? [String: Any])
        XCTAssertEqual(weights["source"] as? String, "loaded from file")
        XCTAssertEqual(weights["sha256"] as? String, try ServiceEndToEndTests.sha256(of: fixture.weightsURL))
        let model = try fixture.server.client.get("/v1/model").object()
        XCTAssertEqual((model["weights"] as? [String: Any])?["source"] as? String, "loaded from file")
        XCTAssertEqual(try fixture.server.client.get("/v1/search/images?q=red").status, 200)
    }

    func testBadWeightsOnReloadKeepTheOldModelServingAndSIGHUPReloads() throws {
        let fixture = try Fixture.shared()
        let (server, weights) = try fixture.startLoadingServer(extra: ["--admin-token", "t0ken"])
        let client = server.client
        let sha = try ServiceEndToEndTests.sha256(of: weights)
        let good = try Data(contentsOf: weights)
        let auth = [("Authorization", "Bearer t0ken")]

        for (name, bytes) in [("garbage", Data("not safetensors".utf8)), ("truncated", good.prefix(good.count / 2))] {
            try bytes.write(to: weights)
            let reply = try RawHTTP.request(port: server.port, "POST", "/v1/admin/reload", headers: auth)
            XCTAssertEqual(reply.status, 409, "\(name): \(reply.text)")
            XCTAssertEqual(reply.errorCode, "reload_failed")
            XCTAssertTrue(reply.errorMessage?.contains(weights.path) ?? false, reply.text)
            let search = try client.get("/v1/search/images?q=pink+circle+top&k=1")
            XCTAssertEqual(search.status, 200)
            XCTAssertEqual(((try search.object()["results"] as? [[String: Any]])?.first)?["caption"] as? String, "pink circle top")
            XCTAssertEqual(((try client.get("/v1/model").object())["weights"] as? [String: Any])?["sha256"] as? String, sha)
        }

        server.signal(SIGHUP)  // the file is still broken
        try waitFor { server.stderr.contains("SIGHUP reload failed") }
        XCTAssertEqual(try client.get("/readyz").status, 200)
        XCTAssertEqual(try client.get("/v1/search/images?q=red").status, 200)

        try good.write(to: weights)
        server.signal(SIGHUP)
        try waitFor { server.stderr.contains("reloaded weights") }
        XCTAssertEqual(try client.get("/v1/search/images?q=red").status, 200)
        XCTAssertEqual(try RawHTTP.request(port: server.port, "POST", "/v1/admin/reload", headers: auth).status, 200)
        server.stop()
        XCTAssertEqual(server.process.terminationStatus, 0)
    }

    func testSIGTERMFinishesTheRequestInFlightThenExitsZero() throws {
        let fixture = try Fixture.shared()
        let (server, _) = try fixture.startLoadingServer()
        // No admin token configured: the reload endpoint does not exist.
        XCTAssertEqual(try RawHTTP.request(port: server.port, "POST", "/v1/admin/reload").status, 404)

        let body = Array(#"{"q": "pink circle top", "k": 3}"#.utf8)
        let connection = try RawConnection(port: server.port, timeoutSeconds: RawHTTP.timeoutSeconds)
        defer { connection.close() }
        try? connection.send(
            RawHTTP.head("POST", "/v1/search/images", headers: [("Content-Type", "application/json")], bodyLength: body.count)
                + body.prefix(10))
        usleep(300_000)
        server.signal(SIGTERM)
        usleep(500_000)
        XCTAssertTrue(server.process.isRunning, "waits for the request in flight")
        XCTAssertThrowsError(try RawHTTP.request(port: server.port, "GET", "/healthz"), "stopped accepting")
        try? connection.send(Array(body.dropFirst(10)))
        let reply = try connection.readUntilClosed()
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(((try reply.object()["results"] as? [[String: Any]])?.first)?["caption"] as? String, "pink circle top")
        XCTAssertEqual(server.waitForExit(timeout: 20), 0)
        XCTAssertTrue(server.stderr.contains("stopped"), server.stderr)
    }

    func testABadWeightsFileIsAStartUpErrorNamingTheProblem() throws {
        let fixture = try Fixture.shared()
        let copy = try fixture.copyOfWeights()
        try Data("{\"not\": \"weights\"}".utf8).write(to: copy.weights)
        let server = try ServerProcess(
            directory: copy.directory, arguments: ["--config", fixture.configURL.path, "--weights", copy.weights.path])
        let status = server.waitForExit(timeout: 30)
        XCTAssertNotNil(status)
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(server.stderr.contains(copy.weights.path), server.stderr)
        XCTAssertTrue(server.stderr.contains("start-up failed"), server.stderr)
    }

    func testAnInvalidConfigurationIsAStartUpErrorNamingTheKey() throws {
        let directory = try Fixture.shared().directory
        let config = directory.appendingPathComponent("bad-config.json")
        try Data(#"{"server": {"prot": 8080}}"#.utf8).write(to: config)
        let server = try ServerProcess(directory: directory, arguments: ["--config", config.path], expectListening: false)
        XCTAssertNotEqual(server.waitForExit(timeout: 30), 0)
        XCTAssertTrue(server.stderr.contains("server.prot"), server.stderr)

        let environment = try ServerProcess(
            directory: directory, arguments: [], environment: ["NANOVLM_SERVER_THREADS": "many"], expectListening: false)
        XCTAssertNotEqual(environment.waitForExit(timeout: 30), 0)
        XCTAssertTrue(environment.stderr.contains("server.threads"), environment.stderr)
    }

    /// The binary moved without its resource bundle refuses to start, before it listens,
    /// and says what is missing and where it looked.
    func testAMissingResourceBundleIsAStartUpErrorNamingIt() throws {
        let fixture = try Fixture.shared()
        let copy = try fixture.copyOfWeights()
        let folder = copy.directory.appendingPathComponent("bin-without-resources", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let binary = folder.appendingPathComponent("nanovlm")
        try FileManager.default.copyItem(at: ServerProcess.binary, to: binary)
        let server = try ServerProcess(
            directory: copy.directory, arguments: ["--config", fixture.configURL.path, "--weights", copy.weights.path],
            expectListening: false, binary: binary)
        let status = server.waitForExit(timeout: 30)
        XCTAssertNotNil(status)
        XCTAssertNotEqual(status, 0)
        let log = server.stderr
        XCTAssertTrue(log.contains("nanovlm_NanoVLMService.resources"), log)
        XCTAssertTrue(log.contains("index.html, page.css, page.js, openapi.json"), log)
        XCTAssertTrue(log.contains(folder.path), log)
        XCTAssertFalse(log.contains("listening"), log)
    }

    /// The binary and its bundle moved together serve the page, also when started through
    /// a symbolic link from another folder.
    func testTheBinaryMovedWithItsBundleServesThePage() throws {
        let fixture = try Fixture.shared()
        let copy = try fixture.copyOfWeights()
        let folder = copy.directory.appendingPathComponent("bin", isDirectory: true)
        let links = copy.directory.appendingPathComponent("links", isDirectory: true)
        for made in [folder, links] { try FileManager.default.createDirectory(at: made, withIntermediateDirectories: true) }
        try FileManager.default.copyItem(at: ServerProcess.binary, to: folder.appendingPathComponent("nanovlm"))
        let bundle = "nanovlm_NanoVLMService.resources"
        try FileManager.default.copyItem(
            at: ServerProcess.binary.deletingLastPathComponent().appendingPathComponent(bundle),
            to: folder.appendingPathComponent(bundle))
        try FileManager.default.createSymbolicLink(
            at: links.appendingPathComponent("nanovlm"), withDestinationURL: folder.appendingPathComponent("nanovlm"))
        for binary in [folder.appendingPathComponent("nanovlm"), links.appendingPathComponent("nanovlm")] {
            let server = try ServerProcess(
                directory: copy.directory, arguments: ["--config", fixture.configURL.path, "--weights", copy.weights.path],
                binary: binary)
            for path in ["/", "/page.css", "/page.js", "/openapi.json"] {
                XCTAssertEqual(try server.client.get(path).status, 200, "\(binary.path) \(path)")
            }
            server.stop()
        }
    }

    func waitFor(timeout: TimeInterval = 20, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            guard Date() < deadline else { throw HTTPFailure(description: "condition not met in \(timeout) s") }
            usleep(100_000)
        }
    }
}
