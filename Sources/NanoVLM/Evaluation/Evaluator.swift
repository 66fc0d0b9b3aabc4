import Datasets
import ImageIO
import NanoTensor

/// Computes the evaluation metrics (docs/MODEL.md) of a model on a dataset.
public enum Evaluator {
    static func rows(_ matrix: [Float], _ ids: [Int], dim: Int) -> [Float] {
        ids.flatMap { matrix[($0 * dim)..<(($0 + 1) * dim)] }
    }

    /// The word tokens of every caption of a dataset, by id.
    public static func captionTokens(_ dataset: any Dataset) -> [[Int]] {
        dataset.ids.map(dataset.captionTokens)
    }

    /// Validation R@1 among all candidates, both directions — the per-epoch progress figure.
    public static func validationAmongAll(
        _ model: DualEncoder, dataset: any Dataset, split: Split, imageEmbeddings: [Float]? = nil,
        textEmbeddings: [Float]? = nil
    ) -> DirectionMetrics {
        let d = model.dim
        let images = imageEmbeddings ?? model.embed(images: dataset.galleryImages)
        let texts = textEmbeddings ?? model.embed(tokenSequences: captionTokens(dataset))
        let ids = split.validation
        return DirectionMetrics(
            imageToText: Similarity.metrics(rows(images, ids, dim: d), texts, correct: ids, dim: d),
            textToImage: Similarity.metrics(rows(texts, ids, dim: d), images, correct: ids, dim: d))
    }

    /// Every evaluation figure: validation among the validation items and among all, and
    /// the dataset's robustness sets (none for a dataset without them).
    public static func evaluate(_ model: DualEncoder, dataset: any Dataset, split: Split) -> EvaluationReport {
        let d = model.dim
        let images = model.embed(images: dataset.galleryImages)
        let texts = model.embed(tokenSequences: captionTokens(dataset))
        let ids = split.validation
        let local = Array(0..<ids.count)
        let valImages = rows(images, ids, dim: d), valTexts = rows(texts, ids, dim: d)
        let amongValidation = DirectionMetrics(
            imageToText: Similarity.metrics(valImages, valTexts, correct: local, dim: d),
            textToImage: Similarity.metrics(valTexts, valImages, correct: local, dim: d))
        let amongAll = validationAmongAll(
            model, dataset: dataset, split: split, imageEmbeddings: images, textEmbeddings: texts)

        let all = Array(dataset.ids)
        let sets = dataset.robustnessSets
        var robustness: EvaluationReport.Robustness?
        if !sets.isEmpty {
            let measured = sets.map { set -> DirectionMetrics in
                let rendered = model.embed(images: set.images)
                return DirectionMetrics(
                    imageToText: Similarity.metrics(rendered, texts, correct: all, dim: d),
                    textToImage: Similarity.metrics(texts, rendered, correct: all, dim: d))
            }
            robustness = .init(
                amongAll: DirectionMetrics(
                    imageToText: .mean(measured.map(\.imageToText)), textToImage: .mean(measured.map(\.textToImage))),
                byPerturbation: Dictionary(uniqueKeysWithValues: zip(sets.map(\.name), measured)))
        }
        return EvaluationReport(
            validation: .init(amongValidation: amongValidation, amongAll: amongAll), robustness: robustness)
    }
}
