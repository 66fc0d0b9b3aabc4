import Datasets
import Foundation
import ImageIO
import TestSupport
import XCTest

/// `nanovlm serve --dataset scenes`, training a 100-scene gallery for two epochs at start-up
/// (seconds: the service's answers, not the model's quality, are under test), over HTTP: the
/// model reports the dataset and the binding test, gallery items carry their objects, a
/// relational query ranks scenes and an unknown relation is a 400, and classify reads two
/// objects back from a PNG and from a JPEG.
final class ScenesEndToEndTests: XCTestCase {
    func testAScenesServerAnswersAboutTwoObjects() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "nanovlm-scenes-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("config.json")
        try Data("{}".utf8).write(to: config)
        let server = try ServerProcess(
            directory: directory,
            arguments: [
                "--config", config.path, "--dataset", "scenes",
                "--weights", directory.appendingPathComponent("scenes.safetensors").path,
            ],
            environment: [
                "NANOVLM_TRAINING_EPOCHS": "2", "NANOVLM_DATA_SCENES_GALLERY_SIZE": "100",
                "NANOVLM_DATA_SCENES_TRAINING_SCENES": "512", "NANOVLM_MIN_GALLERY_R1": "0",
                "NANOVLM_TRAINING_CAPTION_EPOCHS": "2",
            ])
        defer { server.stop() }
        try server.waitUntilReady(timeout: 240)
        let client = server.client

        let model = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(client.get("/v1/model").body)) as? [String: Any])
        XCTAssertEqual((model["dataset"] as? [String: Any])?["source"] as? String, "scenes")
        XCTAssertEqual((model["architecture"] as? [String: Any])?["text_encoder"] as? String, "attention")
        let binding = try XCTUnwrap((model["metrics"] as? [String: Any])?["binding"] as? [String: Any])
        XCTAssertEqual(binding["cases"] as? Int, ScenesDataset(scenesData()).bindingCases(ScenesDataset(scenesData()).split(seed: 0)).count)

        let page = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(client.get("/v1/images?limit=3").body)) as? [String: Any])
        XCTAssertEqual(page["total"] as? Int, 100)
        let first = try XCTUnwrap((page["items"] as? [[String: Any]])?.first)
        XCTAssertEqual((first["objects"] as? [[String: String]])?.count, 2)

        let search = try client.get("/v1/search/images?q=the+red+circle+is+to+the+left+of+a+blue+square&k=3")
        XCTAssertEqual(search.status, 200, String(decoding: search.body, as: UTF8.self))
        let refused = try client.get("/v1/search/images?q=red+circle+beside+blue+square")
        XCTAssertEqual(refused.status, 400)
        XCTAssertTrue(String(decoding: refused.body, as: UTF8.self).contains("unknown_word"))

        let image = try XCTUnwrap(try client.get("/v1/images/5.png").body)
        let decoded = try ImageDecoding.decodeForModel(image, side: 32)
        for (type, bytes) in [("image/png", image), ("image/jpeg", try JPEGCodec.encode(decoded, quality: 95))] {
            let reply = try client.post("/v1/classify", contentType: type, body: bytes)
            XCTAssertEqual(reply.status, 200, "\(type): \(String(decoding: reply.body, as: UTF8.self))")
            let body = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any])
            let objects = try XCTUnwrap(body["objects"] as? [[String: String]])
            XCTAssertEqual(objects.count, 2, type)
            XCTAssertNotEqual(objects[0]["cell"], objects[1]["cell"], type)
            XCTAssertEqual((body["candidates"] as? [Any])?.count, 5, type)
        }
    }

    func scenesData() -> DataConfiguration {
        var data = DataConfiguration()
        data.source = "scenes"
        data.scenes.gallerySize = 100
        return data
    }
}
