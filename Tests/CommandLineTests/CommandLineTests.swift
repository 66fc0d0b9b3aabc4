import Datasets
import Foundation
import XCTest

/// Runs the real `nanovlm` binary (built beside this test bundle) as a person would.
final class CommandLineTests: XCTestCase {
    static let binary: String = {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var candidates = [bundleDirectory.appendingPathComponent("nanovlm").path]
        // On Linux arguments[0] is the .xctest executable inside the build directory.
        candidates.append(bundleDirectory.deletingLastPathComponent().appendingPathComponent("nanovlm").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }()

    static let scratch: String = {
        let path = NSTemporaryDirectory() + "nanovlm-cli-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// The default configuration, trained once for the whole class.
    static let trained: (weights: String, output: [String: Any])? = {
        let weights = scratch + "/default.safetensors"
        let result = run(["train", "--weights", weights, "--json"])
        // JSON Lines: one object per epoch, then the result.
        let lines = result.stdout.split(separator: "\n")
        guard result.status == 0, lines.count == 301, let last = lines.last,
            let json = try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any]
        else {
            print("training failed: \(result.stderr)")
            return nil
        }
        return (weights, json)
    }()

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    @discardableResult
    static func run(_ arguments: [String], environment: [String: String] = [:]) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        // The caption decoder's own epochs, few: these tests train for the command line's sake.
        env["NANOVLM_TRAINING_CAPTION_EPOCHS"] = env["NANOVLM_TRAINING_CAPTION_EPOCHS"] ?? "2"
        for (k, v) in environment { env[k] = v }
        process.environment = env
        // Run from the scratch directory so the checked-in config isn't picked up by accident.
        process.currentDirectoryURL = URL(fileURLWithPath: scratch)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { return Result(status: -1, stdout: "", stderr: "\(error)") }
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
            stderr: String(decoding: stderrData, as: UTF8.self))
    }

    func trainedModel() throws -> (weights: String, output: [String: Any]) {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: Self.binary), "build nanovlm first: \(Self.binary)")
        return try XCTUnwrap(Self.trained, "nanovlm train failed")
    }

    func r1(_ metrics: [String: Any], _ path: [String]) -> Double? {
        var node: Any? = metrics
        for key in path { node = (node as? [String: Any])?[key] }
        return (node as? [String: Any])?["r1"] as? Double
    }

    /// The documented targets of the default configuration, held at the end of training.
    func testDefaultTrainingReachesTheAccuracyTargets() throws {
        let (_, output) = try trainedModel()
        let metrics = try XCTUnwrap(output["metrics"] as? [String: Any])
        XCTAssertEqual(r1(metrics, ["validation", "among_all", "image_to_text"]), 1.0)
        XCTAssertEqual(r1(metrics, ["validation", "among_all", "text_to_image"]), 1.0)
        let robust = try XCTUnwrap(r1(metrics, ["robustness", "among_all", "image_to_text"]))
        print("robustness image→text R@1: \(robust) (target ≥ 0.99)")
        XCTAssertGreaterThanOrEqual(robust, 0.99)
        let history = try XCTUnwrap((output["training"] as? [String: Any])?["history"] as? [[String: Any]])
        XCTAssertEqual(history.count, 300)
        for epoch in history.suffix(10) {
            XCTAssertEqual(epoch["val_r1_image_to_text"] as? Double, 1.0, "held at epoch \(epoch["epoch"] ?? "?")")
            XCTAssertEqual(epoch["val_r1_text_to_image"] as? Double, 1.0, "held at epoch \(epoch["epoch"] ?? "?")")
        }
    }

    func testEvalPrintsTheSameMetricsAsTrainingSaved() throws {
        let (weights, output) = try trainedModel()
        let result = Self.run(["eval", "--weights", weights, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let eval = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? NSDictionary)
        XCTAssertEqual(eval, output["metrics"] as? NSDictionary)
        let table = Self.run(["eval", "--weights", weights])
        XCTAssertTrue(table.stdout.contains("validation, among 243"), table.stdout)
        XCTAssertTrue(table.stdout.contains("canvas128"))

        // Compared with itself: two rows, and the target epoch that the stored history reached.
        let twice = Self.run(["eval", "--weights", weights, "--weights", weights, "--json"])
        XCTAssertEqual(twice.status, 0, twice.stderr)
        let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(twice.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(rows.count, 2)
        let history = try XCTUnwrap((output["training"] as? [String: Any])?["history"] as? [[String: Any]])
        let target = try XCTUnwrap(
            EvalComparisonTests.expectedTarget(history), "the default run holds the target to the end")
        for row in rows {
            XCTAssertEqual(row["metrics"] as? NSDictionary, output["metrics"] as? NSDictionary)
            let training = try XCTUnwrap(row["training"] as? [String: Any])
            XCTAssertEqual(training["target_epoch"] as? Int, target.epoch)
            XCTAssertEqual(training["seconds_to_target"] as? Double, target.elapsed)
        }
    }

    func testQueryRanksImagesAndCaptions() throws {
        let (weights, _) = try trainedModel()
        let text = Self.run(["query", "Pink  circle at the TOP", "--weights", weights, "--json", "-k", "3"])
        XCTAssertEqual(text.status, 0, text.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.stdout.utf8)) as? [String: Any])
        let results = try XCTUnwrap(json["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 3)
        XCTAssertEqual(results.first?["caption"] as? String, "pink circle top")
        XCTAssertEqual(results.first?["id"] as? Int, 109)

        let dir = Self.scratch + "/dataset"
        XCTAssertEqual(Self.run(["dataset", "--out", dir]).status, 0)
        let image = Self.run(["query", "--image", dir + "/200.png", "--weights", weights])
        XCTAssertEqual(image.status, 0, image.stderr)
        let firstRow = image.stdout.split(separator: "\n").dropFirst().first.map(String.init) ?? ""
        XCTAssertTrue(firstRow.hasSuffix("purple square top-right"), image.stdout)  // id 200 = 7·27 + 1·9 + 2
    }

    func testDatasetWritesPNGsAndCaptions() throws {
        let dir = Self.scratch + "/dataset-check"
        let result = Self.run(["dataset", "--out", dir])
        XCTAssertEqual(result.status, 0, result.stderr)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir)
        XCTAssertEqual(files.filter { $0.hasSuffix(".png") }.count, 243)
        let tsv = try String(contentsOfFile: dir + "/captions.tsv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(tsv.count, 244)
        XCTAssertEqual(tsv.first, "path\tcaption\tid\tcolour\tshape\tposition\tsplit")
        XCTAssertEqual(
            tsv[110],
            "109.png\tpink circle top\t109\tpink\tcircle\ttop\t"
                + (tsv[110].hasSuffix("train") ? "train" : "validation"))
        XCTAssertEqual(tsv.filter { $0.hasSuffix("\tvalidation") }.count, 49)
        let png = try Data(contentsOf: URL(fileURLWithPath: dir + "/0.png"))
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }

    func testDatasetWritesTheScenesGalleryWithItsObjects() throws {
        let dir = Self.scratch + "/scenes-check"
        let result = Self.run(["dataset", "--dataset", "scenes", "--out", dir])
        XCTAssertEqual(result.status, 0, result.stderr)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir)
        XCTAssertEqual(files.filter { $0.hasSuffix(".png") }.count, 2000)
        let tsv = try String(contentsOfFile: dir + "/captions.tsv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(tsv.count, 2001)
        XCTAssertEqual(tsv.first, "path\tcaption\tid\tobjects\tsplit")
        let scenes = ScenesDataset()
        let row = tsv[1601].split(separator: "\t").map(String.init)
        XCTAssertEqual(row[0...2], ["1600.png", scenes.caption(of: 1600), "1600"])
        let objects = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(row[3].utf8)) as? [[String: String]])
        XCTAssertEqual(objects.map { $0["cell"] }, scenes.scenes[1600].objects.map(\.cell.name))
        XCTAssertEqual(row[4], "validation")
        XCTAssertEqual(tsv.filter { $0.hasSuffix("\tvalidation") }.count, 400)
    }

    func testBadFlagsGiveUsageErrorsNotCrashes() {
        let cases: [([String], String)] = [
            (["train", "--epochs", "abc"], "epochs"),
            (["train", "--epochs", "0"], "--epochs"),
            (["train", "--image-encoder", "resnet"], "--image-encoder"),
            (["train", "--text-encoder", "lstm"], "--text-encoder"),
            (["query"], "caption"),
            (["query", "red", "-k", "0"], "-k"),
            (["query", "red", "-k", "244"], "-k"),
            (["query", "purpel circle"], "purpel"),
            (["query", "--image", "/nonexistent.png"], "cannot read"),
            (["frobnicate"], "frobnicate"),
            (["eval", "--config", "/nonexistent/nanovlm.json"], "cannot be read"),
            (["dataset"], "--out"),
        ]
        for (arguments, mention) in cases {
            let result = Self.run(arguments)
            XCTAssertNotEqual(result.status, 0, "\(arguments) should fail")
            XCTAssertLessThan(result.status, 128, "\(arguments) must not crash (status \(result.status))")
            XCTAssertTrue(
                result.stderr.contains(mention), "\(arguments): stderr should mention \(mention): \(result.stderr)")
        }
    }

    /// A short vit+attention run through the flags: the weights' metadata says which
    /// architecture wrote them, and eval rebuilds it.
    func testTrainFlagsSelectTheEncoders() throws {
        let weights = Self.scratch + "/vit-attention.safetensors"
        let trained = Self.run([
            "train", "--image-encoder", "vit", "--text-encoder", "attention", "--epochs", "1", "--weights", weights,
            "--json",
        ])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertTrue(trained.stderr.contains("training vit+attention"), trained.stderr)
        let evaluated = Self.run(["eval", "--weights", weights, "--json"])
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
        let header = try Data(contentsOf: URL(fileURLWithPath: weights))
        let text = String(decoding: header.prefix(20_000), as: UTF8.self)
        XCTAssertTrue(text.contains("image_encoder.transformer.layers.1.self_attn.in_proj_weight"))
        XCTAssertTrue(text.contains("text_encoder.position_embedding.weight"))
    }

    func testBadConfigurationAndWeightsNameTheProblem() throws {
        let config = Self.scratch + "/bad.json"
        try Data(#"{"server": {"prot": 80}}"#.utf8).write(to: URL(fileURLWithPath: config))
        var result = Self.run(["eval", "--config", config])
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertTrue(result.stderr.contains("server.prot"), result.stderr)
        try Data(#"{"training": {"epochs": "many"}}"#.utf8).write(to: URL(fileURLWithPath: config))
        result = Self.run(["eval", "--config", config])
        XCTAssertTrue(result.stderr.contains("training.epochs"), result.stderr)
        try Data(#"{"training": {"epochs": 1"#.utf8).write(to: URL(fileURLWithPath: config))
        result = Self.run(["eval", "--config", config])
        XCTAssertTrue(result.stderr.contains("malformed JSON"), result.stderr)
        result = Self.run(["eval"], environment: ["NANOVLM_TRAINING_EPOCHS": "-3"])
        XCTAssertTrue(result.stderr.contains("training.epochs"), result.stderr)

        let weights = Self.scratch + "/corrupt.safetensors"
        try Data([1, 2, 3, 4, 5, 6, 7, 8, 9]).write(to: URL(fileURLWithPath: weights))
        result = Self.run(["query", "red", "--weights", weights])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains(weights), result.stderr)
    }
}
