import Foundation
import TestSupport
import XCTest

/// One trained model per test run: the first server trains it (the slow part, about 20 s
/// to a minute) into a weights file that every other server loads in about a second. What
/// the training server answered before it was ready is recorded on the way.
final class Fixture {
    nonisolated(unsafe) private static var cached: Result<Fixture, Error>?
    private static let lock = NSLock()

    let directory: URL
    let configURL: URL
    let weightsURL: URL
    /// Serves the trained model for the read-only tests; reload token `adminToken`.
    let server: ServerProcess
    let adminToken = "test-admin-token"
    /// Requests made while the server was training, by name.
    let beforeReady: [String: Reply]
    /// Body limit of every test server: small, so over-limit bodies are cheap to send.
    static let maxBodyBytes = 1 << 20

    static func shared() throws -> Fixture {
        lock.lock()
        defer { lock.unlock() }
        if let cached { return try cached.get() }
        let result = Result { try Fixture() }
        cached = result
        XCTestObservationCenter.shared.addTestObserver(Cleanup())
        return try result.get()
    }

    /// Stops the shared server and removes its files when the test bundle finishes, so no
    /// server outlives the run.
    private final class Cleanup: NSObject, XCTestObservation {
        func testBundleDidFinish(_ testBundle: Bundle) {
            guard case .success(let fixture) = Fixture.cached else { return }
            fixture.server.stop()
            try? FileManager.default.removeItem(at: fixture.directory)
        }
    }

    private init() throws {
        // Everything started from here on is stopped by `Cleanup`, or in `init` on failure.
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("nanovlm-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        configURL = directory.appendingPathComponent("config.json")
        weightsURL = directory.appendingPathComponent("weights.safetensors")
        let config = """
            {"log_level": "info", "min_gallery_r1": 0.9, "training": {"epochs": 200},
             "server": {"max_body_bytes": \(Self.maxBodyBytes), "threads": 2}}
            """
        try Data(config.utf8).write(to: configURL)
        server = try ServerProcess(
            directory: directory,
            arguments: ["--config", configURL.path, "--weights", weightsURL.path, "--admin-token", adminToken])
        let client = server.client
        var early: [String: Reply] = [:]
        early["healthz"] = try client.get("/healthz")
        early["livez"] = try client.get("/livez")
        early["readyz"] = try client.get("/readyz")
        // Let training report an epoch so the verbose view shows progress.
        usleep(1_500_000)
        early["readyz_verbose"] = try client.get("/readyz?verbose")
        early["search"] = try client.get("/v1/search/images?q=red")
        early["captions"] = try client.post("/v1/search/captions", contentType: "image/png", body: PNGs.canonical(0))
        early["metrics"] = try client.get("/metrics")
        beforeReady = early
        try server.waitUntilReady(timeout: 240)
    }

    /// A fresh directory holding a copy of the trained weights, for servers that change them.
    func copyOfWeights() throws -> (directory: URL, weights: URL) {
        let dir = directory.appendingPathComponent("copy-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let weights = dir.appendingPathComponent("weights.safetensors")
        try FileManager.default.copyItem(at: weightsURL, to: weights)
        return (dir, weights)
    }

    /// A second server loading the trained weights from its own copy.
    func startLoadingServer(extra: [String] = []) throws -> (server: ServerProcess, weights: URL) {
        let copy = try copyOfWeights()
        let server = try ServerProcess(
            directory: copy.directory, arguments: ["--config", configURL.path, "--weights", copy.weights.path] + extra)
        try server.waitUntilReady(timeout: 60)
        return (server, copy.weights)
    }
}
