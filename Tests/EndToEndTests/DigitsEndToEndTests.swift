import Datasets
import Foundation
import TestSupport
import XCTest

/// scikit-learn's 1,797 handwritten digits (written by Tests/Fixtures/digits.py) as every
/// file layout nanovlm reads, trained and evaluated with the real binary as a person would:
/// `nanovlm train --dataset …`, `nanovlm eval --json`, `nanovlm dataset --out`, `nanovlm serve`.
final class DigitsEndToEndTests: XCTestCase {
    /// The settings that reach the target reliably and fast (BENCHMARKS.md, "Digits"): batch 16
    /// (a batch of 64 holds about six images of each digit, all false negatives of one another
    /// in the contrastive loss, and takes four times fewer steps an epoch), 6 epochs, the
    /// default learning rate 5e-3 with the cosine schedule.
    static let epochs = 6
    /// Two decoder epochs: these tests hold the encoders' targets; the decoder's are BENCHMARKS.md's.
    static let training = [
        "NANOVLM_TRAINING_BATCH_SIZE": "16", "NANOVLM_TRAINING_LEARNING_RATE": "0.005",
        "NANOVLM_TRAINING_CAPTION_EPOCHS": "2",
    ]
    static let target = 0.95
    static let layouts = ["folder-txt", "folder-tsv", "coco", "tsv"]

    // MARK: - Training on every layout

    /// Each layout trains to ≥ 95 % validation image→text R@1 among all captions, `eval`
    /// reproduces the figures the training saved, and the four layouts, which list the same
    /// images in the same order with the same bytes and captions, train the same model.
    func testEveryLayoutTrainsToTheTargetAndTheyAgree() throws {
        let digits = try Digits.shared()
        var metricsByLayout: [String: NSDictionary] = [:]
        for layout in Self.layouts {
            let trained = try Digits.trained(layout)
            let source = try XCTUnwrap(digits.layouts[layout])
            let eval = try digits.run(["eval", "--dataset", source, "--weights", trained.weights, "--json"])
            XCTAssertEqual(eval.status, 0, eval.stderr)
            let metrics = try XCTUnwrap(
                try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? NSDictionary, eval.stdout)
            XCTAssertEqual(metrics, trained.result["metrics"] as? NSDictionary, "\(layout): eval = what training saved")
            let r1 = try XCTUnwrap(Self.r1(metrics, "validation", "among_all", "image_to_text"))
            let textToImage = try XCTUnwrap(Self.r1(metrics, "validation", "among_all", "text_to_image"))
            print(
                "digits \(layout): validation R@1 image→text \(r1), text→image \(textToImage); "
                    + "train \(String(format: "%.1f", trained.seconds)) s wall")
            XCTAssertGreaterThanOrEqual(r1, Self.target, "\(layout)")
            metricsByLayout[layout] = metrics
        }
        for layout in Self.layouts.dropFirst() {
            XCTAssertEqual(metricsByLayout[layout], metricsByLayout["folder-txt"], "\(layout) trains as folder-txt does")
        }
    }

    /// What `nanovlm train` says about the dataset and prints per epoch.
    func testTrainingReportsTheDatasetAndEveryEpoch() throws {
        let digits = try Digits.shared()
        let trained = try Digits.trained("coco")
        let source = try XCTUnwrap(digits.layouts["coco"])
        let lines = trained.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "training cnn+mean, \(Self.epochs) epochs, batch 16, BLAS \(trained.blas) × 2 threads")
        // 10 digits with 3 captions each, digits 0–4 one more; every word of them is in the
        // training split: 15 template words, 10 digit names, 10 numerals.
        XCTAssertTrue(
            lines.contains("\(source): 1797 images, 35 distinct captions, 35 words"), trained.stderr)
        XCTAssertFalse(trained.stderr.contains("skipped"), trained.stderr)
        XCTAssertEqual(trained.history.count, Self.epochs)
        for (index, epoch) in trained.history.enumerated() {
            XCTAssertEqual(epoch["epoch"] as? Int, index + 1)
            XCTAssertNotNil(epoch["val_r1_image_to_text"] as? Double)
            XCTAssertGreaterThan(epoch["images_per_second"] as? Double ?? 0, 0)
        }
        let training = try XCTUnwrap(trained.result["training"] as? [String: Any])
        XCTAssertEqual(training["epochs"] as? Int, Self.epochs)
        XCTAssertEqual(trained.result["dataset"] as? String, source)
    }

    // MARK: - Serving the digits

    /// The service answers with the digits: a caption finds images of its digit; each
    /// validation image, uploaded, ranks a caption of its digit first among all 35 (as often
    /// as `eval` counts), and picks its digit among the ten "a handwritten …" captions.
    func testTheServiceRanksDigits() throws {
        let digits = try Digits.shared()
        let trained = try Digits.trained("folder-txt")
        let server = try ServerProcess(directory: digits.scratch, arguments: ["--weights", trained.weights])
        defer { server.stop() }
        try server.waitUntilReady(timeout: 120)
        let client = server.client

        let search = try client.get("/v1/search/images?q=a+handwritten+seven&k=10")
        XCTAssertEqual(search.status, 200, search.text)
        let results = try XCTUnwrap(try search.object()["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 10)
        for result in results {
            let id = try XCTUnwrap(result["id"] as? Int)
            XCTAssertEqual(digits.items[id].digit, 7, "image \(id) for \"a handwritten seven\"")
            XCTAssertEqual(result["caption"] as? String, "a handwritten seven")
        }

        // The gallery, a page of at most 1,000 at a time: every image with its captions.
        var gallery: [[String: Any]] = []
        while gallery.count < digits.items.count {
            let page = try client.get("/v1/images?offset=\(gallery.count)&limit=1000").object()
            XCTAssertEqual(page["total"] as? Int, digits.items.count)
            let items = try XCTUnwrap(page["items"] as? [[String: Any]])
            guard !items.isEmpty else { break }
            gallery += items
        }
        XCTAssertEqual(gallery.count, digits.items.count)
        for item in gallery {
            let id = try XCTUnwrap(item["id"] as? Int)
            XCTAssertEqual(item["captions"] as? [String], digits.items[id].captions, "image \(id)")
        }
        let validation = gallery.filter { $0["split"] as? String == "validation" }
        XCTAssertEqual(validation.count, 359)
        let names = digits.captions.map { $0[0] }
        let query = names.map { "candidates=" + $0.replacingOccurrences(of: " ", with: "+") }.joined(separator: "&")
        var hits = 0, amongAll = 0
        for item in validation {
            let id = try XCTUnwrap(item["id"] as? Int)
            let digit = digits.items[id].digit
            XCTAssertEqual(item["file"] as? String, digits.items[id].file)
            let png = [UInt8](try Data(contentsOf: digits.root.appendingPathComponent("folder-txt/\(digits.items[id].file)")))
            let reply = try client.post("/v1/search/captions?k=1&\(query)", contentType: "image/png", body: png)
            XCTAssertEqual(reply.status, 200, reply.text)
            let top = (try reply.object()["results"] as? [[String: Any]])?.first?["caption"] as? String
            if top == names[digit] { hits += 1 }

            let all = try client.post("/v1/search/captions?k=1", contentType: "image/png", body: png)
            XCTAssertEqual(all.status, 200, all.text)
            let first = try XCTUnwrap((try all.object()["results"] as? [[String: Any]])?.first)
            let caption = try XCTUnwrap(first["caption"] as? String)
            // The hit's id is an image that carries the caption.
            let carrier = try XCTUnwrap(first["id"] as? Int)
            XCTAssertTrue(digits.items[carrier].captions.contains(caption), "\(caption) is not a caption of image \(carrier)")
            if digits.captions[digit].contains(caption) { amongAll += 1 }
        }
        print(
            "digits served: of \(validation.count) validation uploads, \(amongAll) rank a caption of their digit first "
                + "among all, \(hits) pick their digit among the ten")
        let eval = try XCTUnwrap(
            Self.r1(try XCTUnwrap(trained.result["metrics"] as? NSDictionary), "validation", "among_all", "image_to_text"))
        XCTAssertEqual(Double(amongAll) / Double(validation.count), eval, accuracy: 2.5 / 359, "the service ranks as eval counts")
        XCTAssertGreaterThanOrEqual(Double(amongAll) / Double(validation.count), Self.target)
        XCTAssertGreaterThanOrEqual(Double(hits) / Double(validation.count), Self.target)
    }

    // MARK: - Export

    /// `nanovlm dataset --out X` writes the digits as a folder that reads back as the same
    /// items: the same captions in the same order and the same pixels, under new ids.
    func testTheExportedFolderReadsBackWithTheSameCaptions() throws {
        let digits = try Digits.shared()
        let exported = digits.scratch.appendingPathComponent("exported")
        let again = digits.scratch.appendingPathComponent("exported-again")
        let first = try digits.run(["dataset", "--dataset", digits.layouts["folder-txt"] ?? "", "--out", exported.path])
        XCTAssertEqual(first.status, 0, first.stderr)
        let captionCount = digits.items.map(\.captions.count).reduce(0, +)
        XCTAssertEqual(first.stdout, "wrote 1797 PNGs and captions.tsv (\(captionCount) captions) to \(exported.path)\n")
        let second = try digits.run(["dataset", "--dataset", "folder:\(exported.path)", "--out", again.path])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertFalse(second.stderr.contains("skipped"), second.stderr)

        // The export: <id>.png for the digits' ids (their sorted file order), every caption.
        let rows = try Self.table(exported.appendingPathComponent("captions.tsv"))
        XCTAssertEqual(rows.header, ["path", "caption", "id", "file", "split"])
        var exportedCaptions: [String: [String]] = [:]
        for row in rows.lines {
            let id = try XCTUnwrap(Int(row[2]))
            XCTAssertEqual(row[0], "\(id).png")
            XCTAssertEqual(row[3], digits.items[id].file)
            exportedCaptions[row[0], default: []].append(row[1])
        }
        XCTAssertEqual(exportedCaptions.count, 1797)
        for (id, item) in digits.items.enumerated() {
            XCTAssertEqual(exportedCaptions["\(id).png"], item.captions, "export of \(item.file)")
        }
        XCTAssertEqual(Set(rows.lines.filter { $0[4] == "validation" }.map { $0[2] }).count, 359, "split by image")

        // Read back: every exported file is an item again, with its captions in order, and
        // its export is the same PNG byte for byte.
        let back = try Self.table(again.appendingPathComponent("captions.tsv"))
        var readBack: [String: [String]] = [:]
        for row in back.lines { readBack[row[3], default: []].append(row[1]) }
        XCTAssertEqual(readBack.count, 1797)
        for (name, captions) in exportedCaptions {
            XCTAssertEqual(readBack[name], captions, "\(name) read back")
        }
        for row in back.lines.prefix(50) {
            XCTAssertEqual(
                try Data(contentsOf: again.appendingPathComponent(row[0])),
                try Data(contentsOf: exported.appendingPathComponent(row[3])), "\(row[3]) → \(row[0])")
        }
    }

    // MARK: - JPEG

    /// The same digits as JPEG files.
    func testJPEGDigitsTrainToTheTarget() throws {
        let digits = try Digits.shared()
        let root = digits.scratch.appendingPathComponent("jpeg")
        try runPython([Digits.script.path, root.path, "--jpeg"], requireSuccess: true)
        let weights = digits.scratch.appendingPathComponent("jpeg.safetensors").path
        let source = "folder:\(root.path)/folder-txt"
        let train = try digits.run(
            ["train", "--dataset", source, "--epochs", String(Self.epochs), "--weights", weights, "--json"],
            environment: Self.training)
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stderr.contains("\(source): 1797 images, 35 distinct captions, 35 words"), train.stderr)
        let eval = try digits.run(["eval", "--weights", weights, "--json"])
        let metrics = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? NSDictionary)
        let r1 = try XCTUnwrap(Self.r1(metrics, "validation", "among_all", "image_to_text"))
        print("digits as JPEG: validation R@1 image→text \(r1)")
        XCTAssertGreaterThanOrEqual(r1, Self.target)
    }

    // MARK: - Changed files

    /// Weights trained on files that have since changed are refused by `eval` and by
    /// `serve`, with a message that says the dataset changed and how to fix it; putting the
    /// files back makes them usable again.
    func testWeightsOfChangedFilesAreRefusedByEvalAndServe() throws {
        let digits = try Digits.shared()
        let root = digits.scratch.appendingPathComponent("small")
        try runPython([Digits.script.path, root.path, "--limit", "100"], requireSuccess: true)
        let folder = root.appendingPathComponent("folder-txt")
        let source = "folder:\(folder.path)"
        let weights = digits.scratch.appendingPathComponent("small.safetensors").path
        let train = try digits.run(
            ["train", "--dataset", source, "--epochs", "1", "--weights", weights, "--json"], environment: Self.training)
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertEqual(try digits.run(["eval", "--weights", weights, "--json"]).status, 0)
        let trainedDigest = try Self.digest(source, cache: digits.cache)

        func expectRefusal(_ change: String) throws {
            let digest = try Self.digest(source, cache: digits.cache)
            XCTAssertNotEqual(digest, trainedDigest, change)
            let message =
                "weights file \(weights): the dataset \(source) has changed since the weights were trained: its "
                + "images and captions hash to \(digest.prefix(16)), the weights recorded \(trainedDigest.prefix(16)) "
                + "(files added, removed, resized or recaptioned); train again or restore the files"
            let eval = try digits.run(["eval", "--weights", weights, "--json"])
            XCTAssertEqual(eval.status, 1, "\(change): \(eval.stderr)")
            XCTAssertEqual(eval.stderr, "Error: \(message)\n", change)
            let server = try ServerProcess(directory: digits.scratch, arguments: ["--weights", weights])
            defer { server.stop() }
            XCTAssertEqual(server.waitForExit(timeout: 60), 1, "\(change): serve must refuse the weights")
            XCTAssertTrue(server.stderr.contains("start-up failed"), server.stderr)
            XCTAssertTrue(server.stderr.contains(message), "\(change): \(server.stderr)")
        }

        // Recaptioned: one more caption for one image.
        let text = folder.appendingPathComponent("0003.txt")
        let original = try Data(contentsOf: text)
        try (original + Data("a third three\n".utf8)).write(to: text)
        try expectRefusal("a caption added")
        try original.write(to: text)
        XCTAssertEqual(try digits.run(["eval", "--weights", weights, "--json"]).status, 0, "restored")

        // Removed: an image and its captions moved out of the folder.
        let image = folder.appendingPathComponent("0004.png"), captions = folder.appendingPathComponent("0004.txt")
        let aside = digits.scratch.appendingPathComponent("aside-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: aside, withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: image, to: aside.appendingPathComponent("0004.png"))
        try FileManager.default.moveItem(at: captions, to: aside.appendingPathComponent("0004.txt"))
        try expectRefusal("an image removed")
        try FileManager.default.moveItem(at: aside.appendingPathComponent("0004.png"), to: image)
        try FileManager.default.moveItem(at: aside.appendingPathComponent("0004.txt"), to: captions)

        // Resized: the same picture written at another size (another byte count).
        let before = try Data(contentsOf: image)
        try runPython(
            ["-c", "import sys; from PIL import Image; Image.open(sys.argv[1]).resize((40, 40)).save(sys.argv[1])", image.path],
            requireSuccess: true)
        try expectRefusal("an image resized")
        try before.write(to: image)
        XCTAssertEqual(try digits.run(["eval", "--weights", weights, "--json"]).status, 0, "restored")
    }

    // MARK: - Helpers

    static func r1(_ metrics: NSDictionary, _ path: String...) -> Double? {
        var node: Any? = metrics
        for key in path { node = (node as? NSDictionary)?[key] }
        return (node as? NSDictionary)?["r1"] as? Double
    }

    /// A tab-separated file's header and lines.
    static func table(_ url: URL) throws -> (header: [String], lines: [[String]]) {
        let text = try String(contentsOf: url, encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        return (lines.first ?? [], Array(lines.dropFirst()))
    }

    /// The digest nanovlm records for a file dataset, computed by the reader itself.
    static func digest(_ source: String, cache: URL) throws -> String {
        var configuration = DataConfiguration()
        configuration.source = source
        configuration.cacheDir = cache.path
        return try XCTUnwrap(try FileDataset(configuration, seed: 0).digest)
    }
}

/// The digits written once per test run, and each layout trained once.
final class Digits: @unchecked Sendable {
    struct Item {
        let file: String
        let digit: Int
        let captions: [String]
    }

    struct Trained {
        let weights: String
        /// The last JSON line of `train --json`.
        let result: [String: Any]
        /// The epoch lines before it.
        let history: [[String: Any]]
        let stderr: String
        let seconds: Double
        var blas: String { ((result["training"] as? [String: Any])?["blas_core"] as? String) ?? "?" }
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/digits.py")

    nonisolated(unsafe) private static var cached: Result<Digits, Error>?
    nonisolated(unsafe) private static var trainedLayouts: [String: Trained] = [:]
    private static let lock = NSRecursiveLock()

    let scratch: URL
    let root: URL
    let cache: URL
    /// data.source of each layout.
    let layouts: [String: String]
    /// By id: the sorted file order, which is the order the script wrote them in.
    let items: [Item]
    /// The captions of each digit.
    let captions: [[String]]

    static func shared() throws -> Digits {
        lock.lock()
        defer { lock.unlock() }
        if let cached { return try cached.get() }
        let result = Result { try Digits() }
        cached = result
        XCTestObservationCenter.shared.addTestObserver(Cleanup())
        return try result.get()
    }

    private final class Cleanup: NSObject, XCTestObservation {
        func testBundleDidFinish(_ testBundle: Bundle) {
            guard case .success(let digits) = Digits.cached else { return }
            try? FileManager.default.removeItem(at: digits.scratch)
        }
    }

    private init() throws {
        try requirePython(
            modules: ["numpy", "PIL", "sklearn"],
            install: "python3 -m pip install -r scripts/requirements-test.txt (scripts/test does)")
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("nanovlm-digits-\(UUID().uuidString.prefix(8))")
        root = scratch.appendingPathComponent("digits")
        cache = scratch.appendingPathComponent("cache")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try runPython([Self.script.path, root.path], requireSuccess: true)
        let manifest = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("manifest.json")))
                as? [String: Any])
        layouts = try XCTUnwrap(manifest["layouts"] as? [String: String])
        let listed = try XCTUnwrap(manifest["items"] as? [[String: Any]])
        items = listed.map { item in
            Item(
                file: item["file"] as? String ?? "", digit: item["digit"] as? Int ?? -1,
                captions: item["captions"] as? [String] ?? [])
        }
        let byDigit = try XCTUnwrap(manifest["captions"] as? [String: [String]])
        captions = (0..<10).map { byDigit[String($0)] ?? [] }
        XCTAssertEqual(items.count, 1797)
    }

    /// `layout` trained with the digits' settings (once per run).
    static func trained(_ layout: String) throws -> Trained {
        lock.lock()
        defer { lock.unlock() }
        if let done = trainedLayouts[layout] { return done }
        let digits = try shared()
        let source = try XCTUnwrap(digits.layouts[layout])
        let weights = digits.scratch.appendingPathComponent("\(layout).safetensors").path
        let started = Date()
        let run = try digits.run(
            ["train", "--dataset", source, "--epochs", String(DigitsEndToEndTests.epochs), "--weights", weights, "--json"],
            environment: DigitsEndToEndTests.training)
        let seconds = Date().timeIntervalSince(started)
        guard run.status == 0 else {
            throw TrainingFailure(description: "nanovlm train --dataset \(source) failed (\(run.status)): \(run.stderr)")
        }
        // JSON Lines: one object per epoch, then the result.
        let objects = run.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let result = try XCTUnwrap(objects.last, run.stdout)
        let trained = Trained(
            weights: weights, result: result, history: Array(objects.dropLast()), stderr: run.stderr, seconds: seconds)
        trainedLayouts[layout] = trained
        return trained
    }

    /// Runs the release `nanovlm` in the scratch folder with the digits' input cache.
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandRun {
        try runNanoVLM(arguments, in: scratch, environment: ["NANOVLM_DATA_CACHE_DIR": cache.path].merging(environment) { $1 })
    }
}

struct TrainingFailure: Error, CustomStringConvertible {
    let description: String
}

/// How one run of the `nanovlm` binary ended and what it printed.
struct CommandRun {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs the release `nanovlm` in `directory` with `environment` and no other NANOVLM_*
/// setting from the caller's.
func runNanoVLM(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> CommandRun {
    let process = Process()
    process.executableURL = ServerProcess.binary
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("NANOVLM_") }
    env.merge(environment) { $1 }
    process.environment = env
    process.currentDirectoryURL = directory
    // Standard error to a file: a long run's progress must not fill a pipe nobody reads yet.
    let errors = directory.appendingPathComponent("stderr-\(UUID().uuidString.prefix(8)).log")
    _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errors) }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = try FileHandle(forWritingTo: errors)
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandRun(
        status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self),
        stderr: (try? String(contentsOf: errors, encoding: .utf8)) ?? "")
}
