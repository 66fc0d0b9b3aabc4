import Foundation
import XCTest

/// `nanovlm eval --weights A --weights B …`: several weights files side by side, through the
/// real binary.
final class EvalComparisonTests: XCTestCase {
    typealias CLI = CommandLineTests

    static let combinations = [("cnn", "mean"), ("cnn", "attention"), ("vit", "mean"), ("vit", "attention")]
    /// Parameter counts of the default configuration's combinations (README), the caption
    /// decoder's included (79,638 at D = 32, 104,214 at D = 128). With their defaults: the
    /// transformer encoders bring a 128-wide joint embedding on shapes.
    static let defaultParameters = [
        "cnn+mean": 360_982, "cnn+attention": 570_838, "vit+mean": 206_294, "vit+attention": 274_262,
    ]
    static let groupedParameters = [
        "cnn+mean": "360,982", "cnn+attention": "570,838", "vit+mean": "206,294", "vit+attention": "274,262",
    ]
    static let embeddingDims = ["cnn+mean": 32, "cnn+attention": 128, "vit+mean": 128, "vit+attention": 128]

    /// A table row's cells: columns are separated by two or more spaces.
    static func cells(_ line: String) -> [String] {
        line.replacingOccurrences(of: " {2,}", with: "\t", options: .regularExpression)
            .split(separator: "\t").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// Each combination trained for one or two epochs (a few seconds in all), with what
    /// `train --json` printed.
    static let tiny: [(name: String, weights: String, output: [String: Any])]? = {
        var files: [(String, String, [String: Any])] = []
        for (image, text) in combinations {
            let name = "\(image)+\(text)", weights = CLI.scratch + "/tiny-\(image)-\(text).safetensors"
            let result = CLI.run([
                "train", "--image-encoder", image, "--text-encoder", text, "--epochs", image == "vit" ? "1" : "2",
                "--weights", weights, "--json",
            ])
            guard result.status == 0,
                let last = result.stdout.split(separator: "\n").last,
                let json = try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any]
            else {
                print("training \(name) failed: \(result.stderr)")
                return nil
            }
            files.append((name, weights, json))
        }
        return files
    }()

    func tinyFiles() throws -> [(name: String, weights: String, output: [String: Any])] {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: CLI.binary), "build nanovlm first: \(CLI.binary)")
        return try XCTUnwrap(Self.tiny, "nanovlm train failed")
    }

    /// The safetensors header of a file: (JSON object, the tensor data after it).
    static func header(_ path: String) throws -> (json: [String: Any], data: Data) {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let length = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let json = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + length))) as? [String: Any])
        return (json, bytes.subdata(in: (8 + length)..<bytes.count))
    }

    /// Parameters counted from the file's own header: the elements of every tensor.
    static func parameterCount(_ path: String) throws -> Int {
        try header(path).json.filter { $0.key != "__metadata__" }.reduce(0) { total, entry in
            let shape = try XCTUnwrap((entry.value as? [String: Any])?["shape"] as? [Int])
            return total + shape.reduce(1, *)
        }
    }

    /// A copy of `path` whose `__metadata__.training` is `training` (JSON text), or absent when nil.
    static func withTrainingRecord(_ path: String, _ training: String?, to copy: String) throws {
        var (json, data) = try header(path)
        var metadata = try XCTUnwrap(json["__metadata__"] as? [String: String])
        metadata["training"] = training
        json["__metadata__"] = metadata
        var text = try JSONSerialization.data(withJSONObject: json, options: [.withoutEscapingSlashes])
        while text.count % 8 != 0 { text.append(UInt8(ascii: " ")) }
        var bytes = Data((0..<8).map { UInt8(truncatingIfNeeded: text.count >> (8 * $0)) })
        bytes.append(text)
        bytes.append(data)
        try bytes.write(to: URL(fileURLWithPath: copy))
    }

    /// The first epoch from which validation R@1 stays at 100 % both ways, computed here from
    /// the history that `train --json` printed.
    static func expectedTarget(_ history: [[String: Any]]) -> (epoch: Int, elapsed: Double)? {
        func reached(_ e: [String: Any]) -> Bool {
            (e["val_r1_image_to_text"] as? Double) == 1 && (e["val_r1_text_to_image"] as? Double) == 1
        }
        guard let last = history.last, reached(last) else { return nil }
        let start = (history.lastIndex { !reached($0) } ?? -1) + 1
        return (history[start]["epoch"] as! Int, history[start]["elapsed"] as! Double)
    }

    func testFourCombinationsSideBySide() throws {
        let files = try tinyFiles()
        let result = CLI.run(["eval", "--json"] + files.flatMap { ["--weights", $0.weights] })
        XCTAssertEqual(result.status, 0, result.stderr)
        let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(rows.count, 4)
        for (row, file) in zip(rows, files) {
            XCTAssertEqual(row["weights"] as? String, file.weights)
            let architecture = try XCTUnwrap(row["architecture"] as? [String: Any])
            let encoders =
                "\(architecture["image_encoder"] as? String ?? "?")+\(architecture["text_encoder"] as? String ?? "?")"
            XCTAssertEqual(encoders, file.name)
            let parameters = try XCTUnwrap(architecture["parameters"] as? Int)
            XCTAssertEqual(parameters, try Self.parameterCount(file.weights), "\(file.name): the file's own tensors")
            XCTAssertEqual(parameters, Self.defaultParameters[file.name], file.name)
            XCTAssertEqual(architecture["embedding_dim"] as? Int, Self.embeddingDims[file.name], file.name)
            XCTAssertEqual((row["sha256"] as? String)?.count, 64)

            // Metrics computed now from the weights equal those training stored with them.
            let metrics = try XCTUnwrap(file.output["metrics"] as? NSDictionary)
            XCTAssertEqual(row["metrics"] as? NSDictionary, metrics, file.name)
            let val = try XCTUnwrap(row["validation_r1_among_all"] as? [String: Double])
            let stored = try XCTUnwrap(
                (metrics["validation"] as? [String: Any])?["among_all"] as? [String: [String: Any]])
            XCTAssertEqual(val["image_to_text"], stored["image_to_text"]?["r1"] as? Double)
            XCTAssertEqual(val["text_to_image"], stored["text_to_image"]?["r1"] as? Double)
            let robust = (metrics["robustness"] as? [String: Any])?["among_all"] as? [String: [String: Any]]
            XCTAssertEqual(row["robustness_r1_image_to_text"] as? Double, robust?["image_to_text"]?["r1"] as? Double)

            // Epoch times and the target, from the training record.
            let summary = try XCTUnwrap(file.output["training"] as? [String: Any])
            let history = try XCTUnwrap(summary["history"] as? [[String: Any]])
            let training = try XCTUnwrap(row["training"] as? [String: Any])
            XCTAssertEqual(training["epochs"] as? Int, history.count)
            XCTAssertEqual(training["seconds"] as? Double, summary["seconds"] as? Double)
            let elapsed = history.compactMap { $0["elapsed"] as? Double }
            let durations = zip(elapsed, [0] + elapsed).map { $0 - $1 }.sorted()
            let median =
                durations.count % 2 == 1
                ? durations[durations.count / 2]
                : (durations[durations.count / 2 - 1] + durations[durations.count / 2]) / 2
            XCTAssertEqual(try XCTUnwrap(training["seconds_per_epoch"] as? Double), median, accuracy: 1e-9)
            XCTAssertEqual(training["seconds_per_epoch_basis"] as? String, "median of the epoch times in the history")
            let target = Self.expectedTarget(history)
            XCTAssertEqual(training["target_epoch"] as? Int, target?.epoch, file.name)
            XCTAssertEqual(training["seconds_to_target"] as? Double, target?.elapsed, file.name)
            if target == nil {
                XCTAssertTrue(training["target_epoch"] is NSNull, "not reached is null, not absent: \(training)")
            }
        }

        // The table: a header and one row per file, in the order given, duplicates included.
        let weights = files.map(\.weights) + [files[0].weights]
        let table = CLI.run(["eval"] + weights.flatMap { ["--weights", $0] })
        XCTAssertEqual(table.status, 0, table.stderr)
        let lines = table.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertTrue(lines[0].hasPrefix("weights"), table.stdout)
        for header in [
            "image + text", "parameters", "val R@1 i→t", "val R@1 t→i", "robust R@1 i→t", "epochs", "s / epoch",
            "target epoch", "time to target",
        ] {
            XCTAssertTrue(lines[0].contains(header), "header should name \(header): \(lines[0])")
        }
        for (line, path) in zip(lines.dropFirst(), weights) {
            let file = try XCTUnwrap(files.first { $0.weights == path })
            let history = try XCTUnwrap((file.output["training"] as? [String: Any])?["history"] as? [[String: Any]])
            let target = Self.expectedTarget(history)
            let row = Self.cells(line)
            XCTAssertEqual(row.count, 10, line)
            XCTAssertEqual(row.first, path)
            XCTAssertEqual(row[1], file.name.replacingOccurrences(of: "+", with: " + "))
            XCTAssertEqual(row[2], Self.groupedParameters[file.name])
            XCTAssertEqual(row[6], String(history.count), line)
            XCTAssertEqual(row[8], target.map { String($0.epoch) } ?? "not reached", line)
            XCTAssertEqual(row[9], target.map { String(format: "%.1f s", $0.elapsed) } ?? "–", line)
        }
        XCTAssertEqual(lines[weights.count + 1], "", "a blank line after the rows:\n\(table.stdout)")
        XCTAssertTrue(table.stdout.contains("the median epoch time"), table.stdout)
    }

    /// The target epoch and its time come from the stored history; a file without a training
    /// record, or with a record but no history, still gets its row.
    func testTargetAndEpochTimesComeFromTheTrainingRecord() throws {
        let source = try tinyFiles()[0].weights
        func epoch(_ n: Int, _ i2t: Double, _ t2i: Double, _ elapsed: Double) -> String {
            #"{"epoch":\#(n),"loss":1,"val_r1_image_to_text":\#(i2t),"val_r1_text_to_image":\#(t2i),"learning_rate":0.001,"elapsed":\#(elapsed)}"#
        }
        let history = [
            epoch(1, 0.5, 0.5, 2), epoch(2, 1, 1, 3), epoch(3, 0.98, 1, 4), epoch(4, 1, 1, 7.5), epoch(5, 1, 1, 8.5),
        ]
        let reached = CLI.scratch + "/reached.safetensors"
        try Self.withTrainingRecord(
            source,
            #"{"epochs":5,"seconds":8.75,"final_loss":1,"blas_core":"x","history":[\#(history.joined(separator: ","))]}"#,
            to: reached)
        let noHistory = CLI.scratch + "/no-history.safetensors"
        try Self.withTrainingRecord(
            source, #"{"epochs":4,"seconds":10,"final_loss":1,"blas_core":"x","history":[]}"#, to: noHistory)
        let noRecord = CLI.scratch + "/no-record.safetensors"
        try Self.withTrainingRecord(source, nil, to: noRecord)

        let json = CLI.run(["eval", "--json", "--weights", reached, "--weights", noHistory, "--weights", noRecord])
        XCTAssertEqual(json.status, 0, json.stderr)
        let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(rows.count, 3)
        let first = try XCTUnwrap(rows[0]["training"] as? [String: Any])
        XCTAssertEqual(first["target_epoch"] as? Int, 4, "epoch 3 lost the target that epoch 2 had reached")
        XCTAssertEqual(first["seconds_to_target"] as? Double, 7.5)
        XCTAssertEqual(first["seconds_per_epoch"] as? Double, 1, "median of 2, 1, 1, 3.5, 1")
        XCTAssertEqual(first["epochs"] as? Int, 5)
        let second = try XCTUnwrap(rows[1]["training"] as? [String: Any])
        XCTAssertEqual(second["seconds_per_epoch"] as? Double, 2.5)
        XCTAssertEqual(second["seconds_per_epoch_basis"] as? String, "total seconds / epochs")
        XCTAssertTrue(second["target_epoch"] is NSNull)
        XCTAssertTrue(rows[2]["training"] is NSNull, "\(rows[2])")
        XCTAssertEqual((rows[2]["architecture"] as? [String: Any])?["parameters"] as? Int, Self.defaultParameters["cnn+mean"])

        let table = CLI.run(["eval", "--weights", reached, "--weights", noHistory, "--weights", noRecord])
        XCTAssertEqual(table.status, 0, table.stderr)
        let lines = table.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(Self.cells(lines[1]).first, reached)
        XCTAssertEqual(Self.cells(lines[1]).suffix(4), ["5", "1.00", "4", "7.5 s"], lines[1])
        XCTAssertEqual(Self.cells(lines[2]).first, noHistory)
        XCTAssertEqual(Self.cells(lines[2]).suffix(4), ["4", "2.50*", "not reached", "–"], lines[2])
        XCTAssertEqual(Self.cells(lines[3]).first, noRecord)
        XCTAssertEqual(Self.cells(lines[3]).suffix(4), ["–", "–", "–", "–"], lines[3])
        XCTAssertTrue(table.stdout.contains("*: total seconds / epochs"), table.stdout)
        XCTAssertTrue(table.stdout.contains("–: the file has no training record"), table.stdout)
    }

    /// A missing file, a file that isn't safetensors, a directory: exit 1, no table, and the
    /// message names every bad file.
    func testBadFilesAreNamedAndNothingIsPrinted() throws {
        let good = try tinyFiles()[0].weights
        let text = CLI.scratch + "/notes.safetensors"
        try Data("these are notes, not weights\n".utf8).write(to: URL(fileURLWithPath: text))
        let missing = CLI.scratch + "/absent.safetensors"
        let truncated = CLI.scratch + "/truncated.safetensors"
        try Data(try Data(contentsOf: URL(fileURLWithPath: good)).prefix(4000)).write(
            to: URL(fileURLWithPath: truncated))
        let cases: [([String], [String])] = [
            ([good, missing], [missing, "does not exist"]),
            ([text, good], [text, "not a valid safetensors file"]),
            ([good, truncated], [truncated, "not a valid safetensors file"]),
            ([good, CLI.scratch], [CLI.scratch, "directory"]),
            ([missing, good, text], [missing, text, "2 weights files are unusable"]),
        ]
        for (files, mentions) in cases {
            for json in [false, true] {
                let result = CLI.run(["eval"] + (json ? ["--json"] : []) + files.flatMap { ["--weights", $0] })
                XCTAssertEqual(result.status, 1, "\(files): \(result.stderr)")
                XCTAssertEqual(result.stdout, "", "\(files): nothing on stdout")
                for mention in mentions {
                    XCTAssertTrue(
                        result.stderr.contains(mention), "\(files): stderr should mention \(mention): \(result.stderr)")
                }
            }
        }
        let empty = CLI.run(["eval", "--weights", good, "--weights", ""])
        XCTAssertEqual(empty.status, 64, empty.stderr)
        XCTAssertTrue(empty.stderr.contains("--weights"), empty.stderr)
    }

    /// One --weights keeps the single-file table, and a missing single file is still trained.
    func testOneWeightsFileKeepsTheMetricsTable() throws {
        let good = try tinyFiles()[0].weights
        let result = CLI.run(["eval", "--weights", good])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("weights: \(good)\n\n"), result.stdout)
        XCTAssertTrue(result.stdout.contains("validation, among 243"), result.stdout)
        XCTAssertFalse(result.stdout.contains("target epoch"), result.stdout)
        let json = CLI.run(["eval", "--weights", good, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8))
        XCTAssertTrue(object is [String: Any], "one file: the /v1/eval object, not an array")
    }
}
