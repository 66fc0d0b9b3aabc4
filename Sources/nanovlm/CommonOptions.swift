import ArgumentParser
import Datasets
import Foundation
import JSON
import NanoVLM
import NanoVLMService

/// Options every subcommand takes (docs/CONFIGURATION.md).
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file.")
    var config: String = "config/nanovlm.json"

    @Option(name: .long, help: "Weights file (.safetensors); default from the configuration.")
    var weights: String?

    @Option(
        name: .long,
        help:
            "Dataset: shapes, scenes, folder:DIR, coco:FILE.json or tsv:FILE (default from the configuration, data.source)."
    )
    var dataset: String?

    /// The configuration: file, then NANOVLM_* environment, then these flags and `extra`.
    func load(extra: [String: String] = [:]) throws -> AppConfiguration {
        try loadConfiguration(file: config, weights: weights, dataset: dataset, extra: extra)
    }
}

/// The configuration: `file`, then NANOVLM_* environment, then `weights` and `extra`.
func loadConfiguration(
    file: String, weights: String?, dataset: String? = nil, extra: [String: String] = [:]
) throws -> AppConfiguration {
    var overrides = extra
    if let weights { overrides["weights"] = weights }
    if let dataset { overrides["data.source"] = dataset }
    let explicit = CommandLine.arguments.contains { $0 == "--config" || $0.hasPrefix("--config=") }
    // The default file is optional (running from another directory uses built-in defaults);
    // a file named on the command line must exist.
    let path: String? = explicit || FileManager.default.fileExists(atPath: file) ? file : nil
    do {
        return try AppConfiguration.load(path: path, overrides: overrides)
    } catch let error as ConfigurationError {
        throw ValidationError(error.description)
    }
}

/// `--json` for subcommands that print results.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON.")
    var json = false
}

/// Prints to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Pretty, stable JSON for terminal output.
func jsonText<T: Encodable>(_ value: T) throws -> String {
    String(decoding: try JSONCoding.encoder(prettyPrinted: true).encode(value), as: UTF8.self)
}
