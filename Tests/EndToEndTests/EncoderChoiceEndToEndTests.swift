import Foundation
import TestSupport
import XCTest

/// The serve path with the alternative encoders: a server trains a small vit+attention
/// model into a weights file, and a second server started with the *default* (cnn+mean)
/// configuration rebuilds vit+attention from the file's metadata and answers.
final class EncoderChoiceEndToEndTests: XCTestCase {
    func testServeTrainsAndLoadsAVisionTransformerWithAttentionText() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nanovlm-enc-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let weights = directory.appendingPathComponent("vit-attention.safetensors")
        let small = directory.appendingPathComponent("small.json")
        try Data(
            """
            {"min_gallery_r1": 0, "training": {"epochs": 2, "caption_epochs": 2},
             "model": {"image_encoder": "vit", "text_encoder": "attention", "token_dim": 16, "embedding_dim": 16,
                       "vit": {"width": 16, "heads": 2, "layers": 1, "patch_size": 8, "mlp_ratio": 2},
                       "attention": {"heads": 2, "layers": 1, "mlp_ratio": 2}}}
            """.utf8
        ).write(to: small)
        let trainer = try ServerProcess(directory: directory, arguments: ["--config", small.path, "--weights", weights.path])
        try trainer.waitUntilReady(timeout: 120)
        try checkArchitecture(trainer.client)
        trainer.stop()
        XCTAssertTrue(FileManager.default.fileExists(atPath: weights.path), "serve saves what it trained")

        let defaults = directory.appendingPathComponent("defaults.json")
        try Data(#"{"min_gallery_r1": 0}"#.utf8).write(to: defaults)
        let server = try ServerProcess(directory: directory, arguments: ["--config", defaults.path, "--weights", weights.path])
        defer { server.stop() }
        try server.waitUntilReady(timeout: 60)
        let client = server.client
        let model = try checkArchitecture(client)
        XCTAssertEqual((model["weights"] as? [String: Any])?["source"] as? String, "loaded from file")

        let search = try client.get("/v1/search/images?q=red+circle&k=3")
        XCTAssertEqual(search.status, 200, search.text)
        XCTAssertEqual((try search.object()["results"] as? [[String: Any]])?.count, 3)
        let captions = try client.post("/v1/search/captions", contentType: "image/png", body: PNGs.canonical(7))
        XCTAssertEqual(captions.status, 200, captions.text)
        // Explanations are exact only for the mean text encoder: a clear 400, not invented numbers.
        for reply in [
            try client.get("/v1/search/images?q=red&explain=true"),
            try client.post("/v1/search/images", json: #"{"q": "red", "explain": true}"#),
        ] {
            XCTAssertEqual(reply.status, 400, reply.text)
            XCTAssertEqual(reply.errorCode, "explain_unavailable")
            XCTAssertTrue(reply.errorMessage?.contains("attention") ?? false, reply.text)
        }
    }

    @discardableResult
    private func checkArchitecture(_ client: Client, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let model = try client.get("/v1/model").object()
        let architecture = try XCTUnwrap(model["architecture"] as? [String: Any], file: file, line: line)
        XCTAssertEqual(architecture["image_encoder"] as? String, "vit", file: file, line: line)
        XCTAssertEqual(architecture["text_encoder"] as? String, "attention", file: file, line: line)
        XCTAssertEqual(architecture["embedding_dim"] as? Int, 16, file: file, line: line)
        return model
    }
}
