import Datasets
import Foundation
import Logging
import NanoTensor
import NanoVLM

/// Why weights could not become the served model; the message names the problem.
public struct ModelLoaderError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Turns a weights file, or a fresh training run, into a self-tested `LoadedModel`.
enum ModelLoader {
    /// Reads, validates and self-tests the weights at `path`.
    /// - Parameter readiness: start-up progress to update; nil for a reload.
    static func load(path: String, configuration: AppConfiguration, readiness: Readiness? = nil) throws -> LoadedModel {
        readiness?.set(stage: .loading)
        readiness?.update(Readiness.weights, .running, detail: "loading \(path)")
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint.load(path: path) { done, total in
                readiness?.update(
                    Readiness.weights, .running, detail: "loading \(path): decoding images, \(done) of \(total)")
            }
        } catch let error as CheckpointError {
            readiness?.update(Readiness.weights, .failed, detail: error.message)
            throw ModelLoaderError(error.message)
        }
        readiness?.update(Readiness.weights, .ok, detail: "loaded from \(path)")
        return try prepare(
            checkpoint, source: .loadedFromFile, path: path, configuration: configuration, readiness: readiness)
    }

    /// Trains with the configured settings, then saves the weights with their metrics to
    /// the configured path. A file that cannot be written is logged; the model still serves.
    static func train(configuration: AppConfiguration, readiness: Readiness, logger: Logger) throws -> Checkpoint {
        let epochs = configuration.training.epochs
        readiness.set(stage: .training)
        readiness.update(Readiness.weights, .running, detail: "opening \(configuration.data.source)")
        let dataset: any Dataset
        do {
            dataset = try DatasetRegistry.open(configuration.data, seed: configuration.training.seed) { done, total in
                readiness.update(
                    Readiness.weights, .running,
                    detail: "opening \(configuration.data.source): decoding images, \(done) of \(total)")
            }
        } catch let error as DatasetError {
            readiness.update(Readiness.weights, .failed, detail: error.message)
            throw ModelLoaderError(error.message)
        }
        if let report = dataset.loadReport {
            for line in report.lines.prefix(20) { logger.warning("dataset", metadata: ["skipped": "\(line)"]) }
        }
        readiness.update(Readiness.weights, .running, detail: "training", epoch: 0, epochs: epochs)
        let (checkpoint, saveError) = TrainingRun.run(
            model: configuration.model, training: configuration.training, dataset: dataset,
            saveTo: configuration.weights
        ) { report in
            readiness.update(
                Readiness.weights, .running,
                detail: String(format: "training: epoch %d of %d, loss %.4f", report.epoch, epochs, report.loss),
                epoch: report.epoch, epochs: epochs)
            logger.debug(
                "training epoch",
                metadata: [
                    "epoch": "\(report.epoch)/\(epochs)", "loss": "\(report.loss)",
                    "val_r1_image_to_text": "\(report.valR1ImageToText.map { "\($0)" } ?? "-")",
                ])
        }
        if let saveError {
            logger.error("could not save the weights; serving them from memory", metadata: ["error": "\(saveError)"])
        } else {
            logger.info(
                "saved weights",
                metadata: ["path": "\(configuration.weights)", "sha256": "\(checkpoint.sha256 ?? "-")"])
        }
        let summary = checkpoint.summary
        readiness.update(
            Readiness.weights, .ok,
            detail: String(
                format: "trained %d epochs in %.1f s, final loss %.4f", epochs, summary?.seconds ?? 0,
                summary?.finalLoss ?? 0),
            epoch: epochs, epochs: epochs)
        return checkpoint
    }

    /// Builds both embedding tables, runs the self-test (gallery R@1 at or above the
    /// configured floor) and fills in metrics a file did not carry.
    static func prepare(
        _ checkpoint: Checkpoint, source: Provenance.Source, path: String, configuration: AppConfiguration,
        readiness: Readiness?
    ) throws -> LoadedModel {
        readiness?.set(stage: .embedding)
        readiness?.update(Readiness.imageEmbeddings, .running)
        readiness?.update(Readiness.captionEmbeddings, .running)
        let index = RetrievalIndex(model: checkpoint.model, dataset: checkpoint.dataset)
        readiness?.update(Readiness.imageEmbeddings, .ok, detail: "\(index.count) × \(index.dim)")
        readiness?.update(Readiness.captionEmbeddings, .ok, detail: "\(index.captions.count) × \(index.dim)")

        readiness?.set(stage: .selfTest)
        readiness?.update(Readiness.selfTest, .running)
        let r1 = index.galleryRecallAt1()
        let floor = configuration.minGalleryR1
        let figure = String(format: "gallery R@1 %.3f", r1)
        guard r1 >= floor else {
            let message = "\(figure) is below the configured floor min_gallery_r1 = \(floor) (weights: \(path))"
            readiness?.update(Readiness.selfTest, .failed, detail: message)
            throw ModelLoaderError(message)
        }
        readiness?.update(Readiness.selfTest, .ok, detail: "\(figure) ≥ \(floor)")

        let split = checkpoint.split(defaultSeed: configuration.training.seed)
        let metrics =
            checkpoint.metrics ?? Evaluator.evaluate(checkpoint.model, dataset: checkpoint.dataset, split: split)
        let provenance = Provenance(
            source: source, path: path, sha256: checkpoint.sha256, training: checkpoint.training,
            summary: checkpoint.summary, metrics: metrics)
        // Requests run concurrently on the server's threads: one BLAS thread each.
        BLAS.setThreads(1)
        return LoadedModel(
            index: index, provenance: provenance, galleryR1: r1, split: split,
            searchCacheEntries: configuration.server.searchCacheEntries, maxImageSide: configuration.server.maxImageSide
        )
    }
}
