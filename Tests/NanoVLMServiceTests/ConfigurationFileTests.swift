import Foundation
import JSON
import XCTest

@testable import NanoVLMService

/// `config/nanovlm.json` must hold every setting with its built-in default (docs/CONFIGURATION.md), so
/// it can't drift from the code. Regenerate with `NANOVLM_REGENERATE_CONFIG=1 swift test
/// --filter ConfigurationFileTests`, which rewrites deploy/kubernetes/configmap.yaml's copy too.
final class ConfigurationFileTests: XCTestCase {
    static let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config/nanovlm.json")

    static func defaultsText() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(AppConfiguration()) + Data("\n".utf8)
    }

    /// deploy/kubernetes/configmap.yaml carries the same file indented under `nanovlm.json: |`;
    /// scripts/check-deploy fails when the two differ.
    static func rewriteConfigMap(with defaults: Data) throws {
        let url = path.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("deploy/kubernetes/configmap.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        let marker = "  nanovlm.json: |\n"
        let head = try XCTUnwrap(text.range(of: marker), "no `nanovlm.json: |` in \(url.path)")
        let body = String(decoding: defaults, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast().map { $0.isEmpty ? "\n" : "    \($0)\n" }.joined()
        try (String(text[..<head.upperBound]) + body).write(to: url, atomically: true, encoding: .utf8)
    }

    func testCheckedInFileHoldsEveryDefault() throws {
        if ProcessInfo.processInfo.environment["NANOVLM_REGENERATE_CONFIG"] == "1" {
            try Self.defaultsText().write(to: Self.path)
            try Self.rewriteConfigMap(with: Self.defaultsText())
        }
        let data = try XCTUnwrap(FileManager.default.contents(atPath: Self.path.path), "missing \(Self.path.path)")
        // Same values with the same JSON types, and nothing missing or extra.
        XCTAssertEqual(try JSONValue.parse([UInt8](data)), try JSONValue.parse([UInt8](try Self.defaultsText())))
        let loaded = try AppConfiguration.load(path: Self.path.path, environment: [:])
        XCTAssertEqual(loaded, AppConfiguration())
    }

    func testDefaultsServeOnEveryInterfacePort8080() {
        let settings = AppConfiguration().server
        XCTAssertEqual(settings.host, "0.0.0.0")
        XCTAssertEqual(settings.port, 8080)
        XCTAssertEqual(settings.adminToken, "")
    }

    /// A setting of any number whose default is whole (`training.warmup_epochs` 0) takes a
    /// fraction from a file and from the environment; an integer setting still refuses one.
    func testFractionsWhereTheDefaultIsWholeButTheSettingIsReal() throws {
        XCTAssertTrue(AppConfiguration.realLeaves.isSuperset(of: ["training.warmup_epochs", "training.weight_decay"]))
        XCTAssertFalse(AppConfiguration.realLeaves.contains("server.port"))
        XCTAssertFalse(AppConfiguration.realLeaves.contains("training.epochs"))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("fractions-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(#"{"training": {"warmup_epochs": 2.5}}"#.utf8).write(to: file)
        XCTAssertEqual(try AppConfiguration.load(path: file.path, environment: [:]).training.warmupEpochs, 2.5)
        let fromEnvironment = try AppConfiguration.load(
            path: nil, environment: ["NANOVLM_TRAINING_WEIGHT_DECAY": "0.05"])
        XCTAssertEqual(fromEnvironment.training.weightDecay, 0.05)
        XCTAssertThrowsError(try AppConfiguration.load(path: nil, environment: ["NANOVLM_TRAINING_EPOCHS": "2.5"])) {
            XCTAssertTrue("\($0)".contains("must be an integer"), "\($0)")
        }
    }
}
