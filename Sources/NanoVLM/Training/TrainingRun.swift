import Datasets

/// Train → evaluate → save: the one path that `nanovlm train`, `nanovlm serve` (training at
/// start-up) and the benchmarks take.
public enum TrainingRun {
    /// Trains with the settings, evaluates on the dataset and writes the weights with their
    /// metrics to `path`. A file that cannot be written does not lose the model: the
    /// checkpoint comes back with the error beside it.
    public static func run(
        model: ModelConfiguration, training: TrainingConfiguration, dataset: any Dataset = ShapesDataset(),
        saveTo path: String?, progress: (EpochReport) -> Void = { _ in },
        captionProgress: (CaptionEpochReport) -> Void = { _ in }
    ) -> (checkpoint: Checkpoint, saveError: CheckpointError?) {
        let trainer = Trainer(model: model, training: training, dataset: dataset)
        let (trained, summary) = trainer.train(progress: progress, captionProgress: captionProgress)
        let metrics = Evaluator.evaluate(trained, dataset: dataset, split: trainer.split)
        var checkpoint = Checkpoint(
            model: trained, dataset: dataset, training: training, summary: summary, metrics: metrics)
        guard let path else { return (checkpoint, nil) }
        do {
            try checkpoint.save(to: path)
            return (checkpoint, nil)
        } catch let error as CheckpointError {
            return (checkpoint, error)
        } catch {
            return (checkpoint, CheckpointError("cannot write weights to \(path): \(error)"))
        }
    }
}

extension Checkpoint {
    /// Fails when the configuration names a dataset other than the default and the weights
    /// were trained on another: serving them would answer about the wrong pictures.
    public func check(configured data: DataConfiguration) throws {
        guard data.source != DatasetRegistry.defaultName, data.source != dataset.name else { return }
        throw CheckpointError(
            "the weights were trained on \(dataset.name), but the configuration names \(data.source); "
                + "train weights for it (nanovlm train --dataset \(data.source) --weights FILE) or use those weights' dataset"
        )
    }

    /// The split the model was trained with: the recorded seed, else `seed`.
    public func split(defaultSeed seed: UInt64) -> Split { dataset.split(seed: training?.seed ?? seed) }
}
