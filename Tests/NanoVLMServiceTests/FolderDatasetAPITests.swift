import Datasets
import Foundation
import HTTPServer
import ImageIO
import Logging
import NanoVLM
import XCTest

@testable import NanoVLMService

/// A small folder dataset written to a temporary directory: shapes renders as PNGs (some in a
/// subfolder, one larger than the model input), each with its shapes caption and one shared
/// second caption, so the caption table has one caption carried by every image.
struct FolderFixture {
    static let sharedCaption = "a bright shape on black"
    /// Shapes ids of the items, in the folder's sorted path order: every colour, shape and
    /// position word is in two captions or more, so with one validation image held out each
    /// is in the vocabulary and the ten captions stay distinct.
    static let shapesIDs = [109, 121, 0, 22, 55, 70, 52, 36, 163, 180]

    let directory: URL
    /// Relative paths, in id order.
    let files: [String]

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "nanovlm-folder-\(UUID().uuidString.prefix(8))")
        var files: [String] = []
        for (i, shapesID) in Self.shapesIDs.enumerated() {
            let name = (i < 7 ? "" : "more/") + String(format: "item%02d.png", i)
            let url = directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            // Item 1 is drawn at 4× so that its displayed picture is larger than the gallery's.
            let image = Renderer.canonical(shapesID)
            let picture = i == 1 ? areaResize(image, width: 128, height: 128) : image
            try Data(try PNGCodec.encode(picture)).write(to: url)
            let captions = "\(ShapesDataset().caption(of: shapesID))\n\(Self.sharedCaption)\n"
            try Data(captions.utf8).write(to: url.deletingPathExtension().appendingPathExtension("txt"))
            files.append(name)
        }
        self.files = files
    }

    var source: String { "folder:\(directory.path)" }

    func configuration() -> AppConfiguration {
        var configuration = AppConfiguration()
        configuration.minGalleryR1 = 0
        configuration.data.source = source
        configuration.data.cacheDir = ""
        configuration.data.validationFraction = 0.1
        configuration.weights = directory.appendingPathComponent("absent.safetensors").path
        return configuration
    }

    /// An untrained model of the folder dataset, ready to serve.
    func loaded(_ configuration: AppConfiguration) throws -> LoadedModel {
        let dataset = try DatasetRegistry.open(configuration.data, seed: configuration.training.seed)
        let model = DualEncoder(
            config: ModelConfiguration(), vocabularySize: dataset.vocabulary.count,
            sequenceLength: dataset.maxWords + 1)
        return try ModelLoader.prepare(
            Checkpoint(model: model, dataset: dataset), source: .loadedFromFile, path: "untrained",
            configuration: configuration, readiness: nil)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// The API over a dataset read from a folder, in-process: the paged gallery, pictures
/// decoded from the files on demand, search both ways over the open vocabulary, classify
/// without attributes, and the model's dataset object.
final class FolderDatasetAPITests: XCTestCase {
    var folder: FolderFixture!
    var api: ServiceAPI!
    var model: LoadedModel!

    override func setUpWithError() throws {
        folder = try FolderFixture()
        let configuration = folder.configuration()
        model = try folder.loaded(configuration)
        let state = ServiceState(configuration: configuration, logger: Logger(label: "test"))
        state.install(model)
        api = ServiceAPI(state: state)
    }

    override func tearDown() { folder.remove() }

    func get(_ target: String, headers: [String: String] = [:]) -> HTTPResponse {
        api.handle(HTTPRequest(method: "GET", target: target, headers: headers))
    }

    func post(_ target: String, json body: String) -> HTTPResponse {
        api.handle(
            HTTPRequest(
                method: "POST", target: target, headers: ["Content-Type": "application/json"], body: Array(body.utf8)))
    }

    func object(_ response: HTTPResponse, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            String(decoding: response.body, as: UTF8.self), file: file, line: line)
    }

    func errorCode(_ response: HTTPResponse) throws -> String? {
        (try object(response)["error"] as? [String: Any])?["code"] as? String
    }

    func testTheGalleryIsPagedAndListsEveryCaptionAndFile() throws {
        let all = try object(get("/v1/images"))
        XCTAssertEqual(all["total"] as? Int, 10)
        XCTAssertEqual(all["offset"] as? Int, 0)
        let items = try XCTUnwrap(all["items"] as? [[String: Any]])
        XCTAssertEqual(items.map { $0["id"] as? Int }, Array(0..<10))
        XCTAssertEqual(items.map { $0["file"] as? String }, folder.files)
        let split = model.split
        for item in items {
            let id = try XCTUnwrap(item["id"] as? Int)
            let caption = ShapesDataset().caption(of: FolderFixture.shapesIDs[id])
            XCTAssertEqual(item["caption"] as? String, caption)
            XCTAssertEqual(item["captions"] as? [String], [caption, FolderFixture.sharedCaption])
            XCTAssertEqual(item["split"] as? String, split.isValidation(id) ? "validation" : "train")
            XCTAssertEqual(Set(item.keys), ["id", "caption", "captions", "file", "split"])
        }

        let page = try object(get("/v1/images?offset=3&limit=4"))
        XCTAssertEqual(page["total"] as? Int, 10)
        XCTAssertEqual(page["offset"] as? Int, 3)
        XCTAssertEqual((page["items"] as? [[String: Any]])?.map { $0["id"] as? Int }, [3, 4, 5, 6])
        let tail = try object(get("/v1/images?offset=8"))
        XCTAssertEqual((tail["items"] as? [[String: Any]])?.map { $0["id"] as? Int }, [8, 9])
        for past in ["10", "11", "2147483647"] {
            let empty = try object(get("/v1/images?offset=\(past)"))
            XCTAssertEqual((empty["items"] as? [Any])?.count, 0, past)
            XCTAssertEqual(empty["total"] as? Int, 10)
        }
    }

    func testBadOffsetsAndLimitsAre400sThatSayWhy() throws {
        let cases: [(String, String)] = [
            ("offset=abc", "offset must be an integer from 0"), ("offset=-1", "offset must be an integer from 0"),
            ("offset=", "got \"\""), ("offset=1.5", "offset"), ("offset=+3", "offset"), ("offset=%200", "offset"),
            ("offset=2147483648", "to 2147483647"), ("offset=99999999999999999999999", "offset"),
            ("limit=0", "limit must be an integer from 1 to 1000"), ("limit=1001", "limit must be an integer from 1 to 1000"),
            ("limit=-5", "limit"), ("limit=ten", "limit"), ("limit=1e3", "limit"),
            ("offset=1&offset=2", "offset is given 2 times"), ("limit=5&limit=5", "limit is given 2 times"),
            ("limit=5&offset=0&limit=6&limit=7", "limit is given 3 times"),
        ]
        for (query, expected) in cases {
            let response = get("/v1/images?" + query)
            XCTAssertEqual(response.status, 400, query)
            XCTAssertEqual(try errorCode(response), "invalid_parameter", query)
            let message = try XCTUnwrap((try object(response)["error"] as? [String: Any])?["message"] as? String)
            XCTAssertTrue(message.contains(expected), "\(query): \(message)")
        }
        XCTAssertEqual(get("/v1/images?limit=1000&offset=0").status, 200)
        XCTAssertEqual(get("/v1/images?limit=1").status, 200)
    }

    func testEveryItemHasItsPictureScaledToTheConfiguredSide() throws {
        for id in 0..<10 {
            let response = get("/v1/images/\(id).png")
            XCTAssertEqual(response.status, 200, "\(id)")
            XCTAssertEqual(response.header("Content-Type"), "image/png")
            XCTAssertEqual(response.header("Cache-Control"), "no-cache")
            let image = try PNGCodec.decode(response.body)
            if id == 1 {
                XCTAssertEqual([image.width, image.height], [128, 128], "at most 512 px: sent at its own size")
            } else {
                XCTAssertEqual(image, Renderer.canonical(FolderFixture.shapesIDs[id]), "\(id)")
            }
        }
        for id in ["10", "-1", "abc", "99999999999"] {
            XCTAssertEqual(get("/v1/images/\(id).png").status, 404, id)
        }

        // A smaller server.max_image_side scales the large picture down (never up).
        var configuration = folder.configuration()
        configuration.server.maxImageSide = 48
        let small = try folder.loaded(configuration)
        let state = ServiceState(configuration: configuration, logger: Logger(label: "test"))
        state.install(small)
        let scaled = ServiceAPI(state: state)
        let large = try PNGCodec.decode(scaled.handle(HTTPRequest(method: "GET", target: "/v1/images/1.png")).body)
        XCTAssertEqual([large.width, large.height], [48, 48])
        let other = try PNGCodec.decode(scaled.handle(HTTPRequest(method: "GET", target: "/v1/images/0.png")).body)
        XCTAssertEqual([other.width, other.height], [32, 32])
    }

    func testPicturesHaveEntityTagsAndRevalidateTo304() throws {
        let first = get("/v1/images/1.png")
        let etag = try XCTUnwrap(first.header("ETag"))
        XCTAssertTrue(etag.range(of: #"^"[0-9a-f]{32}"$"#, options: .regularExpression) != nil, etag)
        XCTAssertEqual(get("/v1/images/1.png").body, first.body)
        for match in [etag, "W/\(etag)", "\"nope\", \(etag)", "*"] {
            let cached = get("/v1/images/1.png", headers: ["If-None-Match": match])
            XCTAssertEqual(cached.status, 304, match)
            XCTAssertTrue(cached.body.isEmpty)
            XCTAssertEqual(cached.header("ETag"), etag)
        }
        XCTAssertEqual(get("/v1/images/1.png", headers: ["If-None-Match": "\"other\""]).status, 200)
        XCTAssertNotEqual(get("/v1/images/2.png").header("ETag"), etag)
    }

    func testTheCacheOfEncodedPicturesStaysWithinItsBudgetDroppingTheLeastRecentlySent() throws {
        let dataset = model.dataset
        let sizes = try (0..<10).map { try PNGCodec.encode(dataset.displayImage(of: $0, maxSide: 512)).count }
        XCTAssertEqual(sizes.max(), sizes[1], "item 1, drawn at 128 px, is the largest")
        // Room for pictures 0 and 1 together, not for a third.
        let budget = sizes[0] + sizes[1]
        let sweep = GalleryImages(dataset, maxSide: 512, budgetBytes: budget)
        for round in 0..<2 {
            for id in 0..<10 {
                XCTAssertEqual(try sweep.png(id).bytes.count, sizes[id])
                XCTAssertLessThanOrEqual(sweep.cached.bytes, budget, "round \(round), id \(id)")
            }
        }

        let images = GalleryImages(dataset, maxSide: 512, budgetBytes: budget)
        _ = try images.png(0)
        _ = try images.png(1)
        XCTAssertEqual(images.cached.entries, 2)
        _ = try images.png(0)  // now more recent than 1
        _ = try images.png(2)  // over budget: 1, the least recently sent, goes
        XCTAssertEqual(images.cached.entries, 2)
        for id in 0..<3 {
            try FileManager.default.removeItem(at: folder.directory.appendingPathComponent(folder.files[id]))
        }
        XCTAssertEqual(try images.png(0).bytes.count, sizes[0], "kept: sent without its file")
        XCTAssertEqual(try images.png(2).bytes.count, sizes[2], "kept: sent without its file")
        XCTAssertThrowsError(try images.png(1), "dropped, so its (removed) file is read again")

        let none = GalleryImages(dataset, maxSide: 512, budgetBytes: 0)
        _ = try none.png(3)
        XCTAssertEqual(none.cached.entries, 0, "a picture larger than the budget is sent, not kept")
    }

    func testAFileThatWentAwayOrBrokeIsA500NamingIt() throws {
        let gone = folder.files[8], broken = folder.files[2]
        try FileManager.default.removeItem(at: folder.directory.appendingPathComponent(gone))
        try Data("no longer a PNG".utf8).write(to: folder.directory.appendingPathComponent(broken))
        for (id, file) in [(8, gone), (2, broken)] {
            let response = get("/v1/images/\(id).png")
            XCTAssertEqual(response.status, 500, file)
            XCTAssertEqual(try errorCode(response), "image_unavailable")
            let message = try XCTUnwrap((try object(response)["error"] as? [String: Any])?["message"] as? String)
            XCTAssertTrue(message.contains("Image \(id) (\(file))"), message)
        }
        XCTAssertEqual(get("/v1/images/3.png").status, 200, "the other pictures are still served")
        XCTAssertEqual(get("/v1/images").status, 200)
    }

    func testTextSearchListsUnknownWordsAndRefusesQueriesWithoutAKnownWord() throws {
        let plain = try object(get("/v1/search/images?q=pink+circle+top&k=3"))
        XCTAssertNil(plain["unknown_words"], "absent when every word is known")
        XCTAssertEqual((plain["results"] as? [Any])?.count, 3)

        let mixed = try object(get("/v1/search/images?q=Pink+unicorn+circle+zebra+unicorn&k=10"))
        XCTAssertEqual(mixed["unknown_words"] as? [String], ["unicorn", "zebra"])
        XCTAssertEqual(mixed["query"] as? String, "Pink unicorn circle zebra unicorn")
        let results = try XCTUnwrap(mixed["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 10)
        XCTAssertEqual(Set(results.compactMap { $0["id"] as? Int }), Set(0..<10), "every image ranked once")
        for result in results {
            let id = try XCTUnwrap(result["id"] as? Int)
            XCTAssertEqual(result["image_url"] as? String, "/v1/images/\(id).png")
            XCTAssertEqual(result["caption"] as? String, ShapesDataset().caption(of: FolderFixture.shapesIDs[id]))
        }

        let explained = try object(get("/v1/search/images?q=pink+zebra+circle&k=2&explain=true"))
        XCTAssertEqual(explained["unknown_words"] as? [String], ["zebra"])
        for result in try XCTUnwrap(explained["results"] as? [[String: Any]]) {
            let explanation = try XCTUnwrap(result["explanation"] as? [String: Any])
            let words = try XCTUnwrap(explanation["words"] as? [[String: Any]])
            XCTAssertEqual(words.compactMap { $0["word"] as? String }, ["pink", "circle"])
            let total = words.compactMap { $0["contribution"] as? Double }.reduce(0, +) + (explanation["bias"] as? Double ?? .nan)
            XCTAssertEqual(total, try XCTUnwrap(result["score"] as? Double), accuracy: 1e-5)
        }

        let single = try object(post("/v1/search/images", json: #"{"q": "red zebra", "k": 2}"#))
        XCTAssertEqual(single["unknown_words"] as? [String], ["zebra"])
        let batch = try object(post("/v1/search/images", json: #"{"queries": ["red zebra", "blue square"], "k": 2}"#))
        let entries = try XCTUnwrap(batch["queries"] as? [[String: Any]])
        XCTAssertEqual(entries[0]["unknown_words"] as? [String], ["zebra"])
        XCTAssertNil(entries[1]["unknown_words"])
        XCTAssertEqual(Set(entries[1].keys), ["query", "results"])

        for response in [
            get("/v1/search/images?q=zebra+unicorn"), post("/v1/search/images", json: #"{"q": "zebra"}"#),
            post("/v1/search/images", json: #"{"queries": ["red", "zebra unicorn"]}"#),
        ] {
            XCTAssertEqual(response.status, 400)
            XCTAssertEqual(try errorCode(response), "no_known_words")
            let message = try XCTUnwrap((try object(response)["error"] as? [String: Any])?["message"] as? String)
            XCTAssertTrue(message.contains("\"zebra\""), message)
        }
    }

    func testTheSearchCacheKeepsEachQuerysOwnUnknownWords() throws {
        // Both reduce to the same known words, yet echo different text and unknown words.
        let a = get("/v1/search/images?q=pink+zebra")
        let b = get("/v1/search/images?q=pink+unicorn")
        XCTAssertEqual(try object(a)["unknown_words"] as? [String], ["zebra"])
        XCTAssertEqual(try object(b)["unknown_words"] as? [String], ["unicorn"])
        XCTAssertEqual(model.searchCache.count, 2)
        XCTAssertEqual(get("/v1/search/images?q=pink+unicorn").body, b.body)
        XCTAssertEqual(try object(get("/v1/search/images?q=pink+zebra"))["unknown_words"] as? [String], ["zebra"])
    }

    func testImageSearchRanksDistinctCaptionsEachStandingForItsFirstImage() throws {
        let png = try PNGCodec.encode(Renderer.canonical(FolderFixture.shapesIDs[4]))
        let response = api.handle(
            HTTPRequest(
                method: "POST", target: "/v1/search/captions?k=11", headers: ["Content-Type": "image/png"], body: png))
        XCTAssertEqual(response.status, 200, String(decoding: response.body, as: UTF8.self))
        let results = try XCTUnwrap(try object(response)["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 11, "10 own captions and the shared one")
        var captions: [String] = []
        for result in results {
            let caption = try XCTUnwrap(result["caption"] as? String)
            let id = try XCTUnwrap(result["id"] as? Int)
            captions.append(caption)
            XCTAssertEqual(result["image_url"] as? String, "/v1/images/\(id).png")
            if caption == FolderFixture.sharedCaption {
                XCTAssertEqual(id, 0, "the shared caption stands for the first image carrying it")
            } else {
                XCTAssertEqual(caption, ShapesDataset().caption(of: FolderFixture.shapesIDs[id]))
            }
        }
        XCTAssertEqual(Set(captions).count, 11)
        let probabilities = results.compactMap { $0["probability"] as? Double }
        XCTAssertEqual(probabilities.reduce(0, +), 1, accuracy: 1e-4)

        let tooMany = api.handle(
            HTTPRequest(
                method: "POST", target: "/v1/search/captions?k=12", headers: ["Content-Type": "image/png"], body: png))
        XCTAssertEqual(tooMany.status, 400)
        XCTAssertTrue(String(decoding: tooMany.body, as: UTF8.self).contains("from 1 to 11"))
        XCTAssertEqual(get("/v1/search/images?q=red&k=11").status, 400, "k up to the 10 images")
        XCTAssertEqual(get("/v1/search/images?q=red&k=10").status, 200)
    }

    func testClassifyIsA404NamingTheDatasetAndPointingToCaptionSearch() throws {
        let png = try PNGCodec.encode(Renderer.canonical(109))
        for body in [png, []] {
            let response = api.handle(
                HTTPRequest(method: "POST", target: "/v1/classify", headers: ["Content-Type": "image/png"], body: body))
            XCTAssertEqual(response.status, 404)
            XCTAssertEqual(try errorCode(response), "no_attributes")
            let message = try XCTUnwrap((try object(response)["error"] as? [String: Any])?["message"] as? String)
            XCTAssertTrue(message.contains(folder.source), message)
            XCTAssertTrue(message.contains("/v1/search/captions"), message)
        }
    }

    func testTheModelDescribesItsDatasetAndEvaluatesWithoutRobustness() throws {
        let body = try object(get("/v1/model"))
        let dataset = try XCTUnwrap(body["dataset"] as? [String: Any])
        XCTAssertEqual(dataset["source"] as? String, folder.source)
        XCTAssertEqual(dataset["images"] as? Int, 10)
        XCTAssertEqual(dataset["captions"] as? Int, 11)
        XCTAssertEqual(dataset["vocabulary"] as? Int, model.dataset.vocabulary.count - 2, "words, without [CLS] and [UNK]")
        XCTAssertEqual(dataset["sha256"] as? String, model.dataset.digest)
        XCTAssertEqual((dataset["sha256"] as? String)?.count, 64)
        XCTAssertEqual(dataset["skipped"] as? Int, 0)

        let evaluation = try object(get("/v1/eval"))
        XCTAssertNotNil(evaluation["validation"])
        XCTAssertNil(evaluation["robustness"], "a folder of files has no robustness renders")
    }

    func testBeforeTheModelIsReadyTheGalleryOfAFileDatasetIs503() throws {
        let state = ServiceState(configuration: folder.configuration(), logger: Logger(label: "test"))
        let waiting = ServiceAPI(state: state)
        for target in ["/v1/images", "/v1/images?limit=5", "/v1/images/0.png", "/v1/images/99.png"] {
            let response = waiting.handle(HTTPRequest(method: "GET", target: target))
            XCTAssertEqual(response.status, 503, target)
            XCTAssertEqual(response.header("Retry-After"), "5")
            XCTAssertEqual(try errorCode(response), "not_ready")
        }
        state.install(model)
        XCTAssertEqual(waiting.handle(HTTPRequest(method: "GET", target: "/v1/images/0.png")).status, 200)
    }

    func testDuringStartUpTheGalleryFollowsTheDatasetTheWeightsRecord() throws {
        // Weights of the folder dataset, served with a configuration that says shapes.
        var checkpoint = Checkpoint(model: model.index.model, dataset: model.dataset)
        let weights = folder.directory.appendingPathComponent("folder.safetensors").path
        try checkpoint.save(to: weights)
        var configuration = AppConfiguration()
        configuration.weights = weights
        XCTAssertEqual(StartupDataset.source(configuration), folder.source)
        let api = ServiceAPI(state: ServiceState(configuration: configuration, logger: Logger(label: "test")))
        XCTAssertEqual(api.handle(HTTPRequest(method: "GET", target: "/v1/images")).status, 503)

        // And the other way round: shapes weights with a folder configuration list shapes.
        var shapes = Checkpoint(
            model: DualEncoder(config: ModelConfiguration(), vocabularySize: ShapesVocabulary.tokens.count))
        try shapes.save(to: weights)
        configuration.data.source = folder.source
        XCTAssertEqual(StartupDataset.source(configuration), "shapes")
        let listing = ServiceAPI(state: ServiceState(configuration: configuration, logger: Logger(label: "test")))
        let body = listing.handle(HTTPRequest(method: "GET", target: "/v1/images"))
        XCTAssertEqual(body.status, 200)
        XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(body.body)) as? [Any])?.count, 243)

        // No weights file: the configured source; an unreadable one: the configured source too.
        configuration.weights = folder.directory.appendingPathComponent("none.safetensors").path
        XCTAssertEqual(StartupDataset.source(configuration), folder.source)
        try Data("not safetensors".utf8).write(to: URL(fileURLWithPath: weights))
        configuration.weights = weights
        XCTAssertEqual(StartupDataset.source(configuration), folder.source)
    }

    func testWhileStartUpDecodesTheDatasetThe503sSaySo() throws {
        let state = ServiceState(configuration: folder.configuration(), logger: Logger(label: "test"))
        let waiting = ServiceAPI(state: state)
        func message(_ target: String) throws -> String {
            let response = waiting.handle(HTTPRequest(method: "GET", target: target))
            XCTAssertEqual(response.status, 503, target)
            return try XCTUnwrap((try object(response)["error"] as? [String: Any])?["message"] as? String)
        }
        state.readiness.set(stage: .training)
        state.readiness.update(
            Readiness.weights, .running, detail: "opening \(folder.source): decoding images, 12 of 40")
        for target in ["/v1/images", "/v1/search/images?q=red", "/v1/model"] {
            XCTAssertTrue(try message(target).contains("decoding images, 12 of 40"), target)
        }
        state.readiness.update(Readiness.weights, .running, detail: "training", epoch: 3, epochs: 40)
        XCTAssertTrue(try message("/v1/images").contains("(training, epoch 3 of 40)"))
        state.readiness.set(stage: .loading)
        state.readiness.update(Readiness.weights, .running, detail: "loading w.safetensors: decoding images, 5 of 40")
        XCTAssertTrue(try message("/v1/images/0.png").contains("(loading w.safetensors: decoding images, 5 of 40)"))
    }
}
