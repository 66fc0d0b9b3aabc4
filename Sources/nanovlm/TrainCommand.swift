import ArgumentParser
import Foundation
import JSON
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
        // With --json, standard output is JSON Lines: one object per epoch, then the result.
        let lineEncoder = JSONCoding.encoder()
        let checkpoint = try train(
            config, quiet: false,
            progress: { report in
                if output.json, let line = try? lineEncoder.encode(report) {
                    print(String(decoding: line, as: UTF8.self))
                    fflush(stdout)
                } else {
                    printError(progressLine(report, of: config.training.epochs))
                }
            },
            captionProgress: { report in
                // Progress only: the JSON result carries the decoder's epochs in training.caption_training.
                if !output.json { printError(captionProgressLine(report, of: config.training.captionEpochs)) }
            })
        guard let summary = checkpoint.summary, let metrics = checkpoint.metrics else { return }
        if output.json {
            struct Result: Encodable {
                let weights: String, sha256: String?, dataset: String, training: TrainingSummary
                let metrics: EvaluationReport
            }
            let result = Result(
                weights: config.weights, sha256: checkpoint.sha256, dataset: checkpoint.dataset.name,
                training: summary, metrics: metrics)
            print(String(decoding: try lineEncoder.encode(result), as: UTF8.self))
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
