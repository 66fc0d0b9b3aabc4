import ArgumentParser
import Foundation
import NanoTensor
import NanoVLM

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the model with live progress and write the weights with their metrics.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "Epochs (default from the configuration).")
    var epochs: Int?

    @Option(help: "Seed of the split, batch order, augmentation and initialisation.")
    var seed: UInt64?

    @Option(help: "Image encoder: cnn or vit (default from the configuration, model.image_encoder).")
    var imageEncoder: String?

    @Option(help: "Text encoder: mean or attention (default from the configuration, model.text_encoder).")
    var textEncoder: String?

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1 (got \(epochs))") }
        if let imageEncoder, ImageEncoderKind(rawValue: imageEncoder) == nil {
            throw ValidationError("--image-encoder must be \(ImageEncoderKind.quotedNames) (got \"\(imageEncoder)\")")
        }
        if let textEncoder, TextEncoderKind(rawValue: textEncoder) == nil {
            throw ValidationError("--text-encoder must be \(TextEncoderKind.quotedNames) (got \"\(textEncoder)\")")
        }
    }

    func run() throws {
        var extra: [String: String] = [:]
        if let epochs { extra["training.epochs"] = String(epochs) }
        if let imageEncoder { extra["model.image_encoder"] = imageEncoder }
        if let textEncoder { extra["model.text_encoder"] = textEncoder }
        if let seed {
            extra["training.seed"] = String(seed)
            extra["model.seed"] = String(seed)
        }
        let config = try common.load(extra: extra)
        printError(
            "training \(config.model.imageEncoder)+\(config.model.textEncoder), \(config.training.epochs) epochs, "
                + "batch \(config.training.batchSize), BLAS \(BLAS.coreName) × \(config.training.threads) threads")
        let checkpoint = try train(config) { printError(progressLine($0, of: config.training.epochs)) }
        guard let summary = checkpoint.summary, let metrics = checkpoint.metrics else { return }
        if output.json {
            struct Result: Encodable {
                let weights: String, sha256: String?, training: TrainingSummary, metrics: EvaluationReport
            }
            print(
                try jsonText(
                    Result(weights: config.weights, sha256: checkpoint.sha256, training: summary, metrics: metrics)))
        } else {
            print(
                "trained in \(String(format: "%.1f", summary.seconds)) s, final loss \(String(format: "%.4f", summary.finalLoss))"
            )
            print("weights: \(config.weights) (sha256 \(checkpoint.sha256 ?? "?"))\n")
            let validationCount = checkpoint.split(defaultSeed: config.training.seed).validation.count
            print(metricsTable(metrics, dataset: checkpoint.dataset, validationCount: validationCount))
        }
    }
}
