import Foundation
import NanoVLM
import NanoVLMService

/// Loads the configured weights, or trains and saves them when the file doesn't exist.
func loadOrTrain(_ config: AppConfiguration, quiet: Bool) throws -> Checkpoint {
    if FileManager.default.fileExists(atPath: config.weights) {
        do {
            return try Checkpoint.load(path: config.weights)
        } catch let error as CheckpointError {
            throw CommandFailure(error.message)
        }
    }
    if !quiet { printError("no weights at \(config.weights); training them first") }
    return try train(config, progress: quiet ? nil : { printError(progressLine($0, of: config.training.epochs)) })
}

/// Trains with the configuration, evaluates, and saves the weights with their metrics.
func train(_ config: AppConfiguration, progress: ((EpochReport) -> Void)?) throws -> Checkpoint {
    let (checkpoint, saveError) = TrainingRun.run(
        model: config.model, training: config.training, saveTo: config.weights
    ) { progress?($0) }
    if let saveError { throw CommandFailure(saveError.message) }
    return checkpoint
}

func progressLine(_ r: EpochReport, of epochs: Int) -> String {
    let width = String(epochs).count
    var line = "epoch \(String(r.epoch).leftPadded(to: width))/\(epochs)  loss \(String(format: "%.4f", r.loss))"
    if let i2t = r.valR1ImageToText, let t2i = r.valR1TextToImage {
        line += "  val R@1 image→text \(percent(i2t))  text→image \(percent(t2i))"
    }
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
