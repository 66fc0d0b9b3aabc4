import Datasets
import Foundation
import HTTPServer
import ImageIO
import Logging
import NanoVLM
import XCTest

@testable import NanoVLMService

/// The API over the scenes set, in-process with an untrained model of a 200-scene gallery:
/// gallery items and search results carry the objects, relational queries parse and unknown
/// words are 400s, and `/v1/classify` reads two objects and their relation.
final class ScenesAPITests: XCTestCase {
    var api: ServiceAPI!
    var dataset: ScenesDataset!

    override func setUpWithError() throws {
        var configuration = AppConfiguration()
        configuration.minGalleryR1 = 0
        configuration.data.source = "scenes"
        configuration.data.scenes.gallerySize = 200
        let opened = try DatasetRegistry.open(configuration.data, seed: 0)
        dataset = try XCTUnwrap(opened as? ScenesDataset)
        var model = ModelConfiguration()
        model.textEncoder = .attention
        let untrained = DualEncoder(
            config: model, vocabularySize: dataset.vocabulary.count, sequenceLength: dataset.maxWords + 1)
        let loaded = try ModelLoader.prepare(
            Checkpoint(model: untrained, dataset: dataset), source: .loadedFromFile, path: "untrained",
            configuration: configuration, readiness: nil)
        let state = ServiceState(configuration: configuration, logger: Logger(label: "test"))
        state.install(loaded)
        api = ServiceAPI(state: state)
    }

    func get(_ target: String) -> HTTPResponse { api.handle(HTTPRequest(method: "GET", target: target)) }

    func post(_ target: String, png: [UInt8]) -> HTTPResponse {
        api.handle(HTTPRequest(method: "POST", target: target, headers: ["Content-Type": "image/png"], body: png))
    }

    func object(_ response: HTTPResponse, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            String(decoding: response.body, as: UTF8.self), file: file, line: line)
    }

    func objects(of id: Int) -> [[String: String]] {
        dataset.scenes[id].objects.map {
            ["colour": $0.type.colour.name, "shape": $0.type.shape.name, "cell": $0.cell.name]
        }
    }

    func testGalleryItemsCarryTheCanonicalCaptionSplitAndObjects() throws {
        let page = try object(get("/v1/images?limit=200"))
        XCTAssertEqual(page["total"] as? Int, 200)
        let items = try XCTUnwrap(page["items"] as? [[String: Any]])
        XCTAssertEqual(items.count, 200)
        for item in items {
            let id = try XCTUnwrap(item["id"] as? Int)
            XCTAssertEqual(item["caption"] as? String, dataset.scenes[id].canonicalCaption.text)
            XCTAssertEqual(item["split"] as? String, id < 160 ? "train" : "validation")
            XCTAssertEqual(item["objects"] as? [[String: String]], objects(of: id))
            XCTAssertEqual(Set(item.keys), ["id", "caption", "objects", "split"])
        }
        XCTAssertEqual(get("/v1/images/199.png").status, 200)
        XCTAssertEqual(get("/v1/images/200.png").status, 404)
    }

    func testRelationalQueriesRankScenesAndResultsCarryObjects() throws {
        for query in ["the+red+circle+is+to+the+left+of+a+blue+square", "red+circle", "green+triangle+above"] {
            let response = get("/v1/search/images?q=\(query)&k=5")
            XCTAssertEqual(response.status, 200, query)
            let results = try XCTUnwrap(try object(response)["results"] as? [[String: Any]])
            XCTAssertEqual(results.count, 5)
            for hit in results {
                let id = try XCTUnwrap(hit["id"] as? Int)
                XCTAssertEqual(hit["objects"] as? [[String: String]], objects(of: id))
            }
        }
        let refused = get("/v1/search/images?q=red+circle+beside+blue+square")
        XCTAssertEqual(refused.status, 400)
        let error = try XCTUnwrap(try object(refused)["error"] as? [String: Any])
        XCTAssertEqual(error["code"] as? String, "unknown_word")
        XCTAssertTrue((error["message"] as? String)?.contains("beside") ?? false)

        let png = try PNGCodec.encode(dataset.galleryImage(7))
        let captions = try object(post("/v1/search/captions?k=3", png: png))
        for hit in try XCTUnwrap(captions["results"] as? [[String: Any]]) {
            let id = try XCTUnwrap(hit["id"] as? Int)
            XCTAssertEqual(hit["objects"] as? [[String: String]], objects(of: id))
        }
    }

    func testStartUpListsTheGalleryTheWeightsRecord() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nanovlm-scenes-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: path) }
        let model = DualEncoder(
            config: ModelConfiguration(), vocabularySize: dataset.vocabulary.count, sequenceLength: dataset.maxWords + 1)
        var checkpoint = Checkpoint(model: model, dataset: dataset)
        try checkpoint.save(to: path.path)
        var configuration = AppConfiguration()
        configuration.weights = path.path
        XCTAssertEqual(StartupDataset.source(configuration), "scenes")
        let listed = try XCTUnwrap(StartupDataset.generated(configuration) as? ScenesDataset)
        XCTAssertEqual(listed.count, 200, "the recorded gallery size, not the default 2,000")
        XCTAssertEqual(listed.scenes, dataset.scenes)
    }

    func testEvalHasTheBindingTest() throws {
        let first = get("/v1/eval")
        XCTAssertEqual(first.status, 200)
        let binding = try XCTUnwrap(try object(first)["binding"] as? [String: Any])
        XCTAssertEqual(binding["cases"] as? Int, dataset.bindingCases(dataset.split(seed: 0)).count)
        XCTAssertEqual(Set((binding["by_kind"] as? [String: Any])?.keys ?? [:].keys), ["colour", "shape", "argument"])
        XCTAssertEqual(get("/v1/eval").body, first.body, "the same model gives the same metrics")
    }

    func testClassifyReadsTwoObjectsAndHowTheyRelate() throws {
        let png = try PNGCodec.encode(dataset.galleryImage(42))
        let response = post("/v1/classify", png: png)
        XCTAssertEqual(response.status, 200, String(decoding: response.body, as: UTF8.self))
        let body = try object(response)
        let found = try XCTUnwrap(body["objects"] as? [[String: String]])
        XCTAssertEqual(found.count, 2)
        XCTAssertNotEqual(found[0]["cell"], found[1]["cell"])
        // The cells are in reading order and the caption is true of the objects as placed.
        func placed(_ o: [String: String]) throws -> SceneObject {
            SceneObject(
                ObjectType(
                    colour: try XCTUnwrap(Colour.allCases.first { $0.name == o["colour"] }),
                    shape: try XCTUnwrap(Shape.allCases.first { $0.name == o["shape"] })),
                try XCTUnwrap(Position.allCases.first { $0.name == o["cell"] }))
        }
        let scene = Scene(try placed(found[0]), try placed(found[1]))
        XCTAssertEqual(scene.objects, [try placed(found[0]), try placed(found[1])], "reading order")
        let caption = try XCTUnwrap(body["caption"] as? String)
        let tokens = try dataset.parse(query: caption).tokens
        XCTAssertTrue(try XCTUnwrap(ScenesVocabulary.caption(of: tokens)).isTrue(of: scene), caption)
        XCTAssertTrue(["left of", "right of", "above", "below"].contains(body["relation"] as? String))
        let candidates = try XCTUnwrap(body["candidates"] as? [[String: Any]])
        XCTAssertEqual(candidates.count, 5)
        XCTAssertEqual(candidates.first?["caption"] as? String, caption)
        let probabilities = candidates.compactMap { $0["probability"] as? Double }
        XCTAssertEqual(probabilities, probabilities.sorted(by: >))

        let garbage = post("/v1/classify", png: Array("not an image".utf8))
        XCTAssertEqual(garbage.status, 415)
        XCTAssertEqual(post("/v1/classify", png: Array(png.prefix(40))).status, 400, "truncated")
    }
}
