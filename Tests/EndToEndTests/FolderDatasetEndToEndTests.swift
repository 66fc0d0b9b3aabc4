import Datasets
import Foundation
import ImageIO
import TestSupport
import XCTest

/// A model trained by `nanovlm train --dataset folder:DIR` on 40 PNGs with two captions each,
/// then served by `nanovlm serve` from the weights alone (the weights name the folder; the
/// configuration still says shapes). Trained once per test run, in a few seconds.
final class FolderServer {
    nonisolated(unsafe) private static var cached: Result<FolderServer, Error>?
    private static let lock = NSLock()

    /// Shapes ids of the items, in the folder's sorted path order (two subfolders).
    static let shapesIDs = (0..<40).map { $0 * 6 }

    let directory: URL
    let folder: URL
    let configURL: URL
    let weightsURL: URL
    let server: ServerProcess
    /// Relative file names and captions of the items, in id order.
    let files: [String]
    let captions: [[String]]
    /// The dataset as the library opens it, to hold the service's answers against.
    let dataset: any Dataset
    /// Answers given right after the server announced its port, before or after ready.
    let early: [String: Reply]

    static func shared() throws -> FolderServer {
        lock.lock()
        defer { lock.unlock() }
        if let cached { return try cached.get() }
        let result = Result { try FolderServer() }
        cached = result
        XCTestObservationCenter.shared.addTestObserver(Cleanup())
        return try result.get()
    }

    private final class Cleanup: NSObject, XCTestObservation {
        func testBundleDidFinish(_ testBundle: Bundle) {
            guard case .success(let server)? = FolderServer.cached else { return }
            server.server.stop()
            try? FileManager.default.removeItem(at: server.directory)
        }
    }

    /// A paraphrase of a shapes caption, so each image has two captions of its own.
    static func paraphrase(_ caption: String) -> String {
        let words = caption.split(separator: " ")
        return "a \(words[1]) coloured \(words[0]), \(words[2])"
    }

    private init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "nanovlm-folder-e2e-\(UUID().uuidString.prefix(8))")
        folder = directory.appendingPathComponent("pictures")
        var files: [String] = [], captions: [[String]] = []
        for (i, shapesID) in Self.shapesIDs.enumerated() {
            let name = (i < 20 ? "first/" : "second/") + String(format: "shape-%03d.png", shapesID)
            let url = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(try PNGCodec.encode(Renderer.canonical(shapesID))).write(to: url)
            let caption = ShapesDataset().caption(of: shapesID)
            let both = [caption, Self.paraphrase(caption)]
            try Data((both.joined(separator: "\n") + "\n").utf8)
                .write(to: url.deletingPathExtension().appendingPathExtension("txt"))
            files.append(name)
            captions.append(both)
        }
        self.files = files
        self.captions = captions
        configURL = directory.appendingPathComponent("config.json")
        weightsURL = directory.appendingPathComponent("folder.safetensors")
        let cache = directory.appendingPathComponent("cache").path
        let config = """
            {"log_level": "info", "min_gallery_r1": 0, "training": {"epochs": 40},
             "data": {"cache_dir": "\(cache)", "validation_fraction": 0.1},
             "server": {"max_body_bytes": \(Fixture.maxBodyBytes), "threads": 2}}
            """
        try Data(config.utf8).write(to: configURL)

        let train = Process()
        train.executableURL = ServerProcess.binary
        train.arguments = [
            "train", "--config", configURL.path, "--dataset", "folder:\(folder.path)", "--weights", weightsURL.path,
        ]
        train.currentDirectoryURL = directory
        train.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("NANOVLM_") }
        let log = directory.appendingPathComponent("train.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        train.standardOutput = try FileHandle(forWritingTo: log)
        train.standardError = train.standardOutput
        try train.run()
        train.waitUntilExit()
        guard train.terminationStatus == 0 else {
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw HTTPFailure(description: "nanovlm train failed (\(train.terminationStatus)): \(output.suffix(2000))")
        }

        var data = DataConfiguration()
        data.source = "folder:\(folder.path)"
        data.cacheDir = ""
        data.validationFraction = 0.1
        dataset = try DatasetRegistry.open(data, seed: 0)  // training.seed of the configuration

        server = try ServerProcess(directory: directory, arguments: ["--config", configURL.path, "--weights", weightsURL.path])
        let client = server.client
        var early: [String: Reply] = [:]
        early["images"] = try client.get("/v1/images")
        early["image"] = try client.get("/v1/images/0.png")
        early["readyz_verbose"] = try client.get("/readyz?verbose")
        self.early = early
        try server.waitUntilReady(timeout: 60)
    }

    var source: String { "folder:\(folder.path)" }
}

final class FolderDatasetEndToEndTests: XCTestCase {
    func testFromTheStartTheGalleryIsTheFolderNeverTheConfiguredShapes() throws {
        let served = try FolderServer.shared()
        for name in ["images", "image"] {
            let reply = try XCTUnwrap(served.early[name])
            XCTAssertTrue([200, 503].contains(reply.status), "\(name): \(reply.status) \(reply.text.prefix(200))")
            if reply.status == 503 { XCTAssertEqual(reply.errorCode, "not_ready") }
        }
        let images = try XCTUnwrap(served.early["images"])
        if images.status == 200 { XCTAssertEqual(try images.object()["total"] as? Int, 40, "the folder, paged") }
        let image = try XCTUnwrap(served.early["image"])
        if image.status == 200 {
            XCTAssertEqual(try PNGCodec.decode(image.body), Renderer.canonical(0))
            XCTAssertEqual(image.header("Cache-Control"), "no-cache", "a file's picture, not a shapes render")
        }
        let verbose = try XCTUnwrap(served.early["readyz_verbose"])
        XCTAssertTrue([200, 503].contains(verbose.status))
        let checks = try XCTUnwrap(try verbose.object()["checks"] as? [[String: Any]])
        XCTAssertEqual(checks.first?["name"] as? String, "weights")
    }

    func testTheGalleryPagesThroughEveryImageWithItsCaptionsAndFile() throws {
        let served = try FolderServer.shared()
        let client = served.server.client
        let all = try client.get("/v1/images").object()
        XCTAssertEqual(all["total"] as? Int, 40)
        XCTAssertEqual(all["offset"] as? Int, 0)
        let items = try XCTUnwrap(all["items"] as? [[String: Any]])
        XCTAssertEqual(items.count, 40, "all 40 within the default limit of 100")
        let split = served.dataset.split(seed: 0)
        for (id, item) in items.enumerated() {
            XCTAssertEqual(item["id"] as? Int, id)
            XCTAssertEqual(item["file"] as? String, served.files[id])
            XCTAssertEqual(item["caption"] as? String, served.captions[id][0])
            XCTAssertEqual(item["captions"] as? [String], served.captions[id])
            XCTAssertEqual(item["split"] as? String, split.isValidation(id) ? "validation" : "train")
        }
        XCTAssertEqual(items.filter { $0["split"] as? String == "validation" }.count, 4)

        var paged: [Int] = []
        var offset = 0
        while offset < 40 {
            let page = try client.get("/v1/images?offset=\(offset)&limit=7").object()
            XCTAssertEqual(page["total"] as? Int, 40)
            XCTAssertEqual(page["offset"] as? Int, offset)
            let ids = try XCTUnwrap(page["items"] as? [[String: Any]]).compactMap { $0["id"] as? Int }
            XCTAssertEqual(ids.count, min(7, 40 - offset))
            paged += ids
            offset += 7
        }
        XCTAssertEqual(paged, Array(0..<40))
        XCTAssertEqual((try client.get("/v1/images?offset=40").object()["items"] as? [Any])?.count, 0)

        for target in [
            "offset=x", "offset=-3", "offset=99999999999", "limit=0", "limit=1001", "limit=", "limit=2&limit=2",
            "offset=1&offset=1",
        ] {
            let reply = try client.get("/v1/images?" + target)
            XCTAssertEqual(reply.status, 400, target)
            XCTAssertEqual(reply.errorCode, "invalid_parameter", target)
            XCTAssertTrue(reply.errorMessage?.contains(target.hasPrefix("offset") ? "offset" : "limit") ?? false, target)
        }
    }

    func testEveryImageIsItsFilesPictureWithAnEntityTag() throws {
        let served = try FolderServer.shared()
        let client = served.server.client
        for (id, shapesID) in FolderServer.shapesIDs.enumerated() {
            let reply = try client.get("/v1/images/\(id).png")
            XCTAssertEqual(reply.status, 200, "\(id)")
            XCTAssertEqual(reply.header("Content-Type"), "image/png")
            XCTAssertEqual(try PNGCodec.decode(reply.body), Renderer.canonical(shapesID), "\(id)")
            let etag = try XCTUnwrap(reply.header("ETag"))
            let again = try client.get("/v1/images/\(id).png", headers: [("If-None-Match", etag)])
            XCTAssertEqual(again.status, 304, "\(id)")
            XCTAssertTrue(again.body.isEmpty)
        }
        XCTAssertEqual(try client.get("/v1/images/40.png").status, 404)
        let head = try RawHTTP.request(port: client.port, "HEAD", "/v1/images/3.png")
        XCTAssertEqual(head.status, 200)
        XCTAssertTrue(head.body.isEmpty)
    }

    func testTextSearchRanksTheImagesAndListsUnknownWords() throws {
        let served = try FolderServer.shared()
        let client = served.server.client
        let first = served.captions[0][0]
        let plain = try client.get("/v1/search/images?q=\(first.replacingOccurrences(of: " ", with: "+"))&k=40").object()
        XCTAssertNil(plain["unknown_words"])
        let results = try XCTUnwrap(plain["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 40)
        XCTAssertEqual(Set(results.compactMap { $0["id"] as? Int }), Set(0..<40))
        for result in results {
            let id = try XCTUnwrap(result["id"] as? Int)
            XCTAssertEqual(result["caption"] as? String, served.captions[id][0])
            XCTAssertEqual(result["image_url"] as? String, "/v1/images/\(id).png")
        }
        XCTAssertEqual(try client.get("/v1/search/images?q=red&k=41").status, 400, "k up to the 40 images")

        let mixed = try client.get("/v1/search/images?q=red+giraffe+circle+Kazoo&k=3&explain=true").object()
        XCTAssertEqual(mixed["unknown_words"] as? [String], ["giraffe", "kazoo"])
        for result in try XCTUnwrap(mixed["results"] as? [[String: Any]]) {
            let words = (result["explanation"] as? [String: Any])?["words"] as? [[String: Any]]
            XCTAssertEqual(words?.compactMap { $0["word"] as? String }, ["red", "circle"])
        }
        let single = try client.post("/v1/search/images", json: #"{"q": "blue giraffe", "k": 2}"#).object()
        XCTAssertEqual(single["unknown_words"] as? [String], ["giraffe"])
        let batch = try client.post("/v1/search/images", json: #"{"queries": ["blue giraffe", "green square"]}"#).object()
        let entries = try XCTUnwrap(batch["queries"] as? [[String: Any]])
        XCTAssertEqual(entries.map { $0["unknown_words"] as? [String] }, [["giraffe"], nil])

        for reply in [
            try client.get("/v1/search/images?q=giraffe+kazoo"),
            try client.post("/v1/search/images", json: #"{"queries": ["red", "giraffe"]}"#),
        ] {
            XCTAssertEqual(reply.status, 400)
            XCTAssertEqual(reply.errorCode, "no_known_words")
            XCTAssertTrue(reply.errorMessage?.contains("\"giraffe\"") ?? false, reply.text)
        }
    }

    func testImageSearchRanksTheDistinctCaptions() throws {
        let served = try FolderServer.shared()
        let client = served.server.client
        let table = CaptionTable(served.dataset)
        XCTAssertEqual(table.count, 80, "two captions of its own for each image")
        // An image the model trained on, so that its own captions rank high.
        let id = try XCTUnwrap((0..<40).first { !served.dataset.split(seed: 0).isValidation($0) })
        let png = try PNGCodec.encode(Renderer.canonical(FolderServer.shapesIDs[id]))
        let reply = try client.post("/v1/search/captions?k=\(table.count)", contentType: "image/png", body: png)
        XCTAssertEqual(reply.status, 200, reply.text)
        let results = try XCTUnwrap(try reply.object()["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, table.count)
        var seen = Set<String>()
        for result in results {
            let caption = try XCTUnwrap(result["caption"] as? String)
            let owner = try XCTUnwrap(result["id"] as? Int)
            seen.insert(caption)
            XCTAssertTrue(served.captions[owner].contains(caption), "\(caption) is not a caption of image \(owner)")
            XCTAssertEqual(result["image_url"] as? String, "/v1/images/\(owner).png")
        }
        XCTAssertEqual(seen, Set(served.captions.flatMap { $0 }))
        XCTAssertEqual(
            try client.post("/v1/search/captions?k=\(table.count + 1)", contentType: "image/png", body: png).status, 400)
        // The trained model finds the image's own captions among the first few.
        let top = try client.post("/v1/search/captions?k=5", contentType: "image/png", body: png).object()
        let ids = try XCTUnwrap(top["results"] as? [[String: Any]]).compactMap { $0["id"] as? Int }
        XCTAssertTrue(ids.contains(id), "image \(id)'s captions are not in its top 5: \(ids)")
    }

    func testClassifyIsA404NamingTheDatasetAndTheModelDescribesIt() throws {
        let served = try FolderServer.shared()
        let client = served.server.client
        let png = try PNGCodec.encode(Renderer.canonical(0))
        let classify = try client.post("/v1/classify", contentType: "image/png", body: png)
        XCTAssertEqual(classify.status, 404)
        XCTAssertEqual(classify.errorCode, "no_attributes")
        XCTAssertTrue(classify.errorMessage?.contains(served.source) ?? false, classify.text)
        XCTAssertTrue(classify.errorMessage?.contains("/v1/search/captions") ?? false, classify.text)

        let model = try client.get("/v1/model").object()
        let dataset = try XCTUnwrap(model["dataset"] as? [String: Any])
        XCTAssertEqual(dataset["source"] as? String, served.source)
        XCTAssertEqual(dataset["images"] as? Int, 40)
        XCTAssertEqual(dataset["captions"] as? Int, 80)
        XCTAssertEqual(dataset["vocabulary"] as? Int, served.dataset.vocabulary.count - 2)
        XCTAssertEqual(dataset["sha256"] as? String, served.dataset.digest)
        XCTAssertEqual(dataset["skipped"] as? Int, 0)
        XCTAssertEqual((model["weights"] as? [String: Any])?["source"] as? String, "loaded from file")
        XCTAssertEqual((model["training"] as? [String: Any])?["epochs"] as? Int, 40)

        let evaluation = try client.get("/v1/eval").object()
        XCTAssertNil(evaluation["robustness"])
        let validation = try XCTUnwrap(evaluation["validation"] as? [String: Any])
        XCTAssertNotNil(validation["among_validation"])
        XCTAssertNotNil(validation["among_all"])
        XCTAssertNil((model["metrics"] as? [String: Any])?["robustness"])
    }

    func testEveryAnswerMatchesTheDocument() throws {
        let served = try FolderServer.shared()
        let client = served.server.client
        let port = client.port
        var recorded: [ContractEndToEndTests.Recorded] = []
        func record(_ label: String, _ method: String, _ template: String, _ reply: Reply) {
            recorded.append(.init(label: "folder: \(label)", method: method, template: template, reply: reply))
        }
        for (name, template) in [("images", "/v1/images"), ("image", "/v1/images/{id}.png"), ("readyz_verbose", "/readyz")] {
            record("early \(name)", "GET", template, try XCTUnwrap(served.early[name]))
        }
        for target in ["", "?limit=3", "?offset=38&limit=5", "?offset=400", "?limit=0", "?offset=a", "?limit=1&limit=2"] {
            record("images \(target)", "GET", "/v1/images", try client.get("/v1/images" + target))
        }
        record("HEAD images", "HEAD", "/v1/images", try RawHTTP.request(port: port, "HEAD", "/v1/images?limit=2"))
        let image = try client.get("/v1/images/7.png")
        record("image 7", "GET", "/v1/images/{id}.png", image)
        record(
            "image 304", "GET", "/v1/images/{id}.png",
            try client.get("/v1/images/7.png", headers: [("If-None-Match", image.header("ETag") ?? "")]))
        record("image 40", "GET", "/v1/images/{id}.png", try client.get("/v1/images/40.png"))
        let search = "/v1/search/images"
        for target in [
            "?q=red+circle", "?q=red+giraffe&k=40", "?q=red+zebra+circle&explain=true&k=2", "?q=giraffe", "?q=red&k=41",
        ] {
            record("search \(target)", "GET", search, try client.get(search + target))
        }
        for body in [#"{"q": "red giraffe"}"#, #"{"queries": ["red giraffe", "blue"], "k": 3}"#, #"{"queries": ["kazoo"]}"#] {
            record("POST search \(body)", "POST", search, try client.post(search, json: body))
        }
        let png = try PNGCodec.encode(Renderer.canonical(12))
        let captions = "/v1/search/captions"
        for target in ["?k=80", "?k=3", "?k=81", "?candidates=red&candidates=blue+giraffe"] {
            record("captions \(target)", "POST", captions, try client.post(captions + target, contentType: "image/png", body: png))
        }
        record("classify", "POST", "/v1/classify", try client.post("/v1/classify", contentType: "image/png", body: png))
        record("embed image", "POST", "/v1/embed/image", try client.post("/v1/embed/image", contentType: "image/png", body: png))
        record("embed text", "POST", "/v1/embed/text", try client.post("/v1/embed/text", json: #"{"texts": ["red circle", "a square"]}"#))
        record("embed unknown", "POST", "/v1/embed/text", try client.post("/v1/embed/text", json: #"{"text": "giraffe"}"#))
        record("model", "GET", "/v1/model", try client.get("/v1/model"))
        record("eval", "GET", "/v1/eval", try client.get("/v1/eval"))
        record("readyz", "GET", "/readyz", try client.get("/readyz?verbose"))
        XCTAssertEqual(Set(recorded.map(\.reply.status)).intersection([200, 304, 400, 404]), [200, 304, 400, 404])
        try ContractEndToEndTests.validate(recorded, document: try client.get("/openapi.json").body)
    }

    /// A file that goes away after start-up: a 500 naming it, the others still served, the
    /// server still up. On a server of its own, whose picture cache has not seen the file.
    func testAFileRemovedAfterStartUpIsA500NamingItAndTheServerKeepsServing() throws {
        let served = try FolderServer.shared()
        let second = try ServerProcess(
            directory: served.directory, arguments: ["--config", served.configURL.path, "--weights", served.weightsURL.path])
        defer { second.stop() }
        try second.waitUntilReady(timeout: 60)
        let file = served.folder.appendingPathComponent(served.files[33])
        let bytes = try Data(contentsOf: file)
        try FileManager.default.removeItem(at: file)
        defer { try? bytes.write(to: file) }

        let client = second.client
        let reply = try client.get("/v1/images/33.png")
        XCTAssertEqual(reply.status, 500)
        XCTAssertEqual(reply.errorCode, "image_unavailable")
        XCTAssertTrue(reply.errorMessage?.contains(served.files[33]) ?? false, reply.text)
        var recorded = [ContractEndToEndTests.Recorded(label: "removed file", method: "GET", template: "/v1/images/{id}.png", reply: reply)]
        recorded.append(.init(label: "HEAD removed", method: "HEAD", template: "/v1/images/{id}.png", reply: try RawHTTP.request(port: client.port, "HEAD", "/v1/images/33.png")))
        XCTAssertEqual(try client.get("/v1/images/32.png").status, 200)
        XCTAssertEqual(try client.get("/v1/images?offset=30").status, 200)
        XCTAssertEqual(try client.get("/healthz").status, 200)
        XCTAssertTrue(second.stderr.contains("gallery image unavailable"), "the failure is logged")
        try ContractEndToEndTests.validate(recorded, document: try client.get("/openapi.json").body)
    }
}
