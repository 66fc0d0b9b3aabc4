import Datasets
import Foundation
import NanoVLM
import NanoVLMService

/// Loads the configured weights, or trains and saves them when the file doesn't exist.
func loadOrTrain(_ config: AppConfiguration, quiet: Bool) throws -> Checkpoint {
    if FileManager.default.fileExists(atPath: config.weights) {
        do {
            let checkpoint = try Checkpoint.load(path: config.weights, progress: decodingProgress(quiet: quiet))
            try checkpoint.check(configured: config.data)
            return checkpoint
        } catch let error as CheckpointError {
            throw CommandFailure(error.message)
        }
    }
    if !quiet { printError("no weights at \(config.weights); training them first") }
    return try train(
        config, quiet: quiet, progress: quiet ? nil : { printError(progressLine($0, of: config.training.epochs)) })
}

/// Opens the configured dataset, printing what loading skipped unless `quiet`.
func openDataset(_ config: AppConfiguration, quiet: Bool) throws -> any Dataset {
    let dataset: any Dataset
    do {
        dataset = try DatasetRegistry.open(
            config.data, seed: config.training.seed, threads: config.training.threads,
            progress: decodingProgress(quiet: quiet))
    } catch let error as DatasetError {
        throw CommandFailure(error.message)
    }
    if !quiet, let report = dataset.loadReport { printError(reportText(report, dataset: dataset)) }
    return dataset
}

/// What loading a file dataset found, skipped and changed, for the terminal.
func reportText(_ report: LoadReport, dataset: any Dataset) -> String {
    var text =
        "\(dataset.name): \(dataset.count) images, \(CaptionTable(dataset).count) distinct captions, "
        + "\(dataset.vocabulary.count - 2) words"
    if report.skipped > 0 { text += "; skipped \(report.skipped) of \(report.entries) entries" }
    if report.truncatedCaptions > 0 {
        text += "; \(report.truncatedCaptions) captions cut to \(dataset.maxWords) words"
    }
    if report.duplicateCaptions > 0 { text += "; \(report.duplicateCaptions) repeated captions kept once" }
    for line in report.lines.prefix(20) { text += "\n  \(line)" }
    if report.lines.count > 20 { text += "\n  … and \(report.lines.count - 20) more" }
    return text
}

/// Decoding progress on standard error, about twice a second, unless `quiet`.
func decodingProgress(quiet: Bool) -> (Int, Int) -> Void {
    guard !quiet else { return { _, _ in } }
    var last = Date.distantPast
    return { done, total in
        guard done == total || Date().timeIntervalSince(last) > 0.5 else { return }
        last = Date()
        printError("decoding images \(done)/\(total)")
    }
}

/// Trains with the configuration, evaluates, and saves the weights with their metrics.
func train(
    _ config: AppConfiguration, quiet: Bool = false, progress: ((EpochReport) -> Void)?,
    captionProgress: ((CaptionEpochReport) -> Void)? = nil
) throws -> Checkpoint {
    let dataset = try openDataset(config, quiet: quiet)
    let (checkpoint, saveError) = TrainingRun.run(
        model: config.model, training: config.training, dataset: dataset, saveTo: config.weights,
        progress: { progress?($0) }, captionProgress: { captionProgress?($0) })
    if let saveError { throw CommandFailure(saveError.message) }
    return checkpoint
}

func progressLine(_ r: EpochReport, of epochs: Int) -> String {
    let width = String(epochs).count
    var line = "epoch \(String(r.epoch).leftPadded(to: width))/\(epochs)  loss \(String(format: "%.4f", r.loss))"
    if let i2t = r.valR1ImageToText, let t2i = r.valR1TextToImage {
        line += "  val R@1 image→text \(percent(i2t))  text→image \(percent(t2i))"
    }
    if let binding = r.binding { line += "  binding \(percent(binding))" }
    if let caption = r.captionLoss { line += "  caption loss \(String(format: "%.4f", caption))" }
    line += "  lr \(String(format: "%.1e", r.learningRate))  \(String(format: "%.0f", r.imagesPerSecond)) img/s"
    line += "  \(String(format: "%.1f", r.elapsed))s, \(String(format: "%.0f", r.secondsLeft))s left"
    return line
}

func captionProgressLine(_ r: CaptionEpochReport, of epochs: Int) -> String {
    let width = String(epochs).count
    var line =
        "caption epoch \(String(r.epoch).leftPadded(to: width))/\(epochs)  loss \(String(format: "%.4f", r.loss))"
    if let exact = r.validationExactMatch { line += "  val exact match \(percent(exact))" }
    line += "  lr \(String(format: "%.1e", r.learningRate))  \(String(format: "%.1f", r.elapsed))s"
    return line
}

func percent(_ x: Double) -> String { String(format: "%5.1f%%", 100 * x) }

/// A failure to report as one line, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
    func rightPadded(to width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
