import Datasets
import Foundation
import ImageIO
import NanoNN
import NanoTensor

/// One line of training progress.
public struct EpochReport: Codable, Equatable, Sendable {
    public var epoch: Int
    public var loss: Double
    /// Validation R@1 among all candidates; nil on epochs that were not evaluated.
    public var valR1ImageToText: Double?
    public var valR1TextToImage: Double?
    public var learningRate: Double
    /// Seconds since training started.
    public var elapsed: Double
    /// Training images per second over this epoch.
    public var imagesPerSecond: Double = 0
    /// Seconds the remaining epochs will take at the mean pace so far.
    public var secondsLeft: Double = 0
    /// The binding test's pass rate, for datasets that have one, on evaluated epochs.
    public var binding: Double?
    /// The caption cross-entropy of the joint loss (its part of `loss` is λ times this); nil
    /// without the joint loss.
    public var captionLoss: Double?

    enum CodingKeys: String, CodingKey {
        case epoch, loss, valR1ImageToText = "val_r1_image_to_text", valR1TextToImage = "val_r1_text_to_image"
        case learningRate = "learning_rate", elapsed, imagesPerSecond = "images_per_second"
        case secondsLeft = "seconds_left", binding, captionLoss = "caption_loss"
    }

    public init(
        epoch: Int, loss: Double, valR1ImageToText: Double?, valR1TextToImage: Double?, learningRate: Double,
        elapsed: Double
    ) {
        self.epoch = epoch
        self.loss = loss
        self.valR1ImageToText = valR1ImageToText
        self.valR1TextToImage = valR1TextToImage
        self.learningRate = learningRate
        self.elapsed = elapsed
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epoch = try c.decode(Int.self, forKey: .epoch)
        loss = try c.decode(Double.self, forKey: .loss)
        valR1ImageToText = try c.decodeIfPresent(Double.self, forKey: .valR1ImageToText)
        valR1TextToImage = try c.decodeIfPresent(Double.self, forKey: .valR1TextToImage)
        learningRate = try c.decode(Double.self, forKey: .learningRate)
        elapsed = try c.decode(Double.self, forKey: .elapsed)
        imagesPerSecond = try c.decodeIfPresent(Double.self, forKey: .imagesPerSecond) ?? 0
        secondsLeft = try c.decodeIfPresent(Double.self, forKey: .secondsLeft) ?? 0
        binding = try c.decodeIfPresent(Double.self, forKey: .binding)
        captionLoss = try c.decodeIfPresent(Double.self, forKey: .captionLoss)
    }
}

/// What training produced, for the weights' metadata and `/v1/model`.
public struct TrainingSummary: Codable, Equatable, Sendable {
    public var epochs: Int
    public var seconds: Double
    public var finalLoss: Double
    public var history: [EpochReport]
    public var blasCore: String
    /// The caption decoder's own epochs, after the encoders'; nil when there were none.
    public var captionHistory: [CaptionEpochReport]?
    enum CodingKeys: String, CodingKey {
        case epochs, seconds, finalLoss = "final_loss", history, blasCore = "blas_core"
        case captionHistory = "caption_training"
    }
}

/// Trains a dual encoder with the symmetric contrastive loss on what the dataset draws for
/// each batch (its training items' augmented renders, or fresh scenes): shuffled
/// mini-batches of near-equal size, optional hard negatives, Adam.
public final class Trainer {
    public let modelConfig: ModelConfiguration
    public let config: TrainingConfiguration
    public let dataset: any Dataset
    public let split: Split
    /// Evaluate validation R@1 every this many epochs (and always on the last); from
    /// `training.evaluate_every`.
    public var evaluateEvery: Int

    public init(model: ModelConfiguration, training: TrainingConfiguration, dataset: any Dataset = ShapesDataset()) {
        modelConfig = model
        config = training
        self.dataset = dataset
        split = dataset.split(seed: training.seed)
        evaluateEvery = training.evaluateEvery
    }

    /// - Parameters:
    ///   - progress: called after each epoch of the encoders' training.
    ///   - captionProgress: called after each epoch of the caption decoder's own training.
    public func train(
        progress: (EpochReport) -> Void = { _ in }, captionProgress: (CaptionEpochReport) -> Void = { _ in }
    ) -> (model: DualEncoder, summary: TrainingSummary) {
        // The threads go to data-parallel shards of each batch, each with one-thread BLAS.
        BLAS.setThreads(1)
        let model = DualEncoder(
            config: modelConfig, vocabularySize: dataset.vocabulary.count, sequenceLength: dataset.maxWords + 1)
        model.inferenceThreads = config.threads
        let start = Date()
        // Batch order and augmentation draw from their own stream, independent of the split's.
        var rng = SeededRandom(seed: config.seed &+ 0x5EED)
        var order = dataset.trainingOrder(split)
        let batchCount = (order.count + config.batchSize - 1) / config.batchSize
        let table = CaptionTable(dataset)
        // The longest training caption sets the text workspace's length ([CLS] + words).
        let longest = split.train.flatMap { dataset.allCaptionTokens(of: $0).map(\.count) }.max() ?? 1
        let largest = (order.count + batchCount - 1) / batchCount
        let hardNegatives = min(config.hardNegatives, dataset.hardNegativesPerExample)
        let joint = model.hasCaptionDecoder && config.captionWeight > 0
        let step = ContrastiveStep(
            model: model, batch: largest, negatives: largest * hardNegatives,
            maxLength: min(model.maxSequenceLength, max(longest, 3) + 1), parallelism: config.threads,
            captionWeight: joint ? Float(config.captionWeight) : 0)
        // Without the joint loss the decoder's gradients are zero: Adam leaves it alone.
        let trained = joint ? model.parameterCount : model.encoderParameters.count
        let augmentation = TrainingAugmentation(enabled: config.augment, canonicalFraction: config.canonicalFraction)
        let binding = dataset.bindingCases(split)
        let m = FloatBuffer(count: model.parameterCount), v = FloatBuffer(count: model.parameterCount)
        var adam = Adam(learningRate: Float(config.learningRate), weightDecay: Float(config.weightDecay))
        var history: [EpochReport] = []
        for epoch in 1...config.epochs {
            let epochStart = Date()
            rng.shuffle(&order)
            var lossSum: Double = 0
            var begin = 0
            for b in 0..<batchCount {
                adam.learningRate = Float(
                    config.learningRate(epoch: epoch, step: (epoch - 1) * batchCount + b, stepsPerEpoch: batchCount))
                // Near-equal batches: 194 at 64 → 49, 49, 48, 48 rather than 64, 64, 64, 2.
                let end = begin + (order.count - begin) / (batchCount - b)
                let ids = Array(order[begin..<end])
                begin = end
                step.set(
                    dataset.trainingBatch(
                        ids, split: split, augmentation: augmentation, hardNegatives: hardNegatives, table: table,
                        using: &rng))
                lossSum += Double(step.run(count: ids.count))
                adam.update(
                    parameters: model.parameters.pointer, gradients: step.gradients.pointer,
                    firstMoment: m.pointer, secondMoment: v.pointer, count: trained, threads: config.threads)
                model.temperatureSetting.clamp(model.parameters.pointer)
                model.parametersChanged()
            }
            var report = EpochReport(
                epoch: epoch, loss: lossSum / Double(batchCount), valR1ImageToText: nil, valR1TextToImage: nil,
                learningRate: Double(adam.learningRate), elapsed: 0)
            let trainingSeconds = Date().timeIntervalSince(epochStart)
            report.imagesPerSecond = Double(order.count) / max(trainingSeconds, 1e-9)
            if epoch % max(evaluateEvery, 1) == 0 || epoch == config.epochs {
                // One embedding of the gallery serves both figures.
                let images = Evaluator.imageEmbeddings(model, dataset)
                let val = Evaluator.validationAmongAll(
                    model, dataset: dataset, split: split, table: table, imageEmbeddings: images)
                report.valR1ImageToText = val.imageToText.r1
                report.valR1TextToImage = val.textToImage.r1
                if !binding.isEmpty {
                    report.binding =
                        Evaluator.binding(model, dataset: dataset, cases: binding, imageEmbeddings: images).overall
                }
            }
            report.elapsed = Date().timeIntervalSince(start)
            report.secondsLeft = report.elapsed / Double(epoch) * Double(config.epochs - epoch)
            report.captionLoss = joint ? Double(step.captionLossSum / Float(batchCount)) : nil
            step.captionLossSum = 0
            history.append(report)
            progress(report)
        }
        let captions = CaptionTraining(model: model, dataset: dataset, split: split, config: config)
            .run(progress: captionProgress)
        let summary = TrainingSummary(
            epochs: config.epochs, seconds: Date().timeIntervalSince(start), finalLoss: history.last?.loss ?? 0,
            history: history, blasCore: BLAS.coreName, captionHistory: captions.isEmpty ? nil : captions)
        return (model, summary)
    }
}
