import Datasets
import Foundation
import NanoNN
import NanoTensor

/// One epoch of the caption decoder's own training.
public struct CaptionEpochReport: Codable, Equatable, Sendable {
    public var epoch: Int
    /// Mean cross-entropy per predicted token.
    public var loss: Double
    public var learningRate: Double
    /// Validation captions written greedily that are right (`CaptionScores.exactMatch`), on
    /// evaluated epochs.
    public var validationExactMatch: Double?
    /// Seconds since the decoder's training started.
    public var elapsed: Double

    enum CodingKeys: String, CodingKey {
        case epoch, loss, learningRate = "learning_rate", validationExactMatch = "val_exact_match", elapsed
    }
}

/// Trains the caption decoder on the frozen encoders: each batch's images (drawn as for the
/// contrastive training: augmented renders, or fresh scenes) are embedded by the image
/// encoder, and the decoder learns to write each image's drawn caption from its embedding,
/// by Adam on the decoder's parameters alone with a cosine schedule.
struct CaptionTraining {
    let model: DualEncoder
    let dataset: any Dataset
    let split: Split
    let config: TrainingConfiguration

    func run(progress: (CaptionEpochReport) -> Void) -> [CaptionEpochReport] {
        guard let decoder = model.captionDecoder, config.captionEpochs > 0 else { return [] }
        let start = Date()
        var rng = SeededRandom(seed: config.seed &+ 0xCA97)
        var order = dataset.trainingOrder(split)
        let batchCount = (order.count + config.batchSize - 1) / config.batchSize
        let largest = (order.count + batchCount - 1) / batchCount
        let table = CaptionTable(dataset)
        let longest = split.train.flatMap { dataset.allCaptionTokens(of: $0).map(\.count) }.max() ?? 1
        let ws = CaptionDecoder.Workspace(decoder: decoder, batch: largest, maxWords: min(longest, decoder.maxWords))
        let augmentation = TrainingAugmentation(enabled: config.augment, canonicalFraction: config.canonicalFraction)
        let range = model.decoderParameters
        let gradients = FloatBuffer(count: model.parameterCount)
        let m = FloatBuffer(count: range.count), v = FloatBuffer(count: range.count)
        var schedule = config
        schedule.epochs = config.captionEpochs
        schedule.learningRate = config.captionLearningRate
        schedule.minLearningRate = min(config.minLearningRate, config.captionLearningRate)
        var adam = Adam(learningRate: Float(schedule.learningRate))
        var history: [CaptionEpochReport] = []
        let p = model.parameters.pointer
        for epoch in 1...config.captionEpochs {
            adam.learningRate = Float(schedule.learningRate(epoch: epoch))
            rng.shuffle(&order)
            var lossSum: Double = 0
            var begin = 0
            for b in 0..<batchCount {
                let end = begin + (order.count - begin) / (batchCount - b)
                let ids = Array(order[begin..<end])
                begin = end
                let batch = dataset.trainingBatch(
                    ids, split: split, augmentation: augmentation, hardNegatives: 0, table: table, using: &rng)
                ws.embeddings.copy(from: model.embed(images: batch.images))
                for (row, words) in batch.words.enumerated() {
                    ws.set(row: row, words: words, prefixTokens: decoder.prefixTokens)
                }
                lossSum += Double(decoder.forward(ws, parameters: p, count: ids.count))
                (gradients.pointer + range.lowerBound).update(repeating: 0, count: range.count)
                decoder.backward(ws, parameters: p, gradients: gradients.pointer, count: ids.count)
                adam.update(
                    parameters: model.parameters.pointer + range.lowerBound,
                    gradients: gradients.pointer + range.lowerBound, firstMoment: m.pointer, secondMoment: v.pointer,
                    count: range.count, threads: config.threads)
            }
            var report = CaptionEpochReport(
                epoch: epoch, loss: lossSum / Double(batchCount), learningRate: Double(adam.learningRate),
                validationExactMatch: nil, elapsed: 0)
            if epoch % max(config.evaluateEvery, 1) == 0 || epoch == config.captionEpochs {
                report.validationExactMatch =
                    CaptionEvaluator.scores(model, dataset: dataset, ids: split.validation, beam: 1, table: table)
                    .exactMatch
            }
            report.elapsed = Date().timeIntervalSince(start)
            history.append(report)
            progress(report)
        }
        return history
    }
}
