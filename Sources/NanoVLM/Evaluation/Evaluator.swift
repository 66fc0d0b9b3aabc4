import Datasets
import ImageIO
import NanoTensor

/// Computes the evaluation metrics (docs/MODEL.md) of a model on a dataset. Image → text
/// ranks the distinct captions and counts a hit when any caption of the image is ranked;
/// text → image ranks the images and counts a hit when any image carrying the caption is.
/// With one caption of its own per item (the shapes set) these are the plain ranks.
public enum Evaluator {
    static func rows(_ matrix: [Float], _ ids: [Int], dim: Int) -> [Float] {
        ids.flatMap { matrix[($0 * dim)..<(($0 + 1) * dim)] }
    }

    /// Every gallery image's embedding, by id.
    public static func imageEmbeddings(_ model: DualEncoder, _ dataset: any Dataset) -> [Float] {
        model.embed(count: dataset.count, image: dataset.galleryImage)
    }

    /// Every distinct caption's embedding, in `table` order.
    public static func captionEmbeddings(_ model: DualEncoder, _ table: CaptionTable) -> [Float] {
        model.embed(tokenSequences: table.tokens)
    }

    /// The positions in `list` (ascending) of the members of `values` that are in it.
    static func positions(of values: [Int], in list: [Int]) -> [Int] {
        values.compactMap { v -> Int? in
            var lower = 0, upper = list.count
            while lower < upper {
                let mid = (lower + upper) / 2
                if list[mid] < v { lower = mid + 1 } else { upper = mid }
            }
            return lower < list.count && list[lower] == v ? lower : nil
        }
    }

    /// Validation R@1 among all candidates, both directions — the per-epoch progress figure.
    public static func validationAmongAll(
        _ model: DualEncoder, dataset: any Dataset, split: Split, table: CaptionTable? = nil,
        imageEmbeddings: [Float]? = nil, captionEmbeddings: [Float]? = nil
    ) -> DirectionMetrics {
        let d = model.dim
        let table = table ?? CaptionTable(dataset)
        let images = imageEmbeddings ?? Self.imageEmbeddings(model, dataset)
        let texts = captionEmbeddings ?? Self.captionEmbeddings(model, table)
        let ids = split.validation
        let captions = table.captions(of: ids)
        return DirectionMetrics(
            imageToText: Similarity.metrics(
                rows(images, ids, dim: d), texts, correct: ids.map { table.ofItem[$0] }, dim: d),
            textToImage: Similarity.metrics(
                rows(texts, captions, dim: d), images, correct: captions.map { table.items[$0] }, dim: d))
    }

    /// Every evaluation figure: validation among the validation items and among all, and
    /// the dataset's robustness sets (none for a dataset without them).
    public static func evaluate(_ model: DualEncoder, dataset: any Dataset, split: Split) -> EvaluationReport {
        let d = model.dim
        let table = CaptionTable(dataset)
        let images = imageEmbeddings(model, dataset)
        let texts = captionEmbeddings(model, table)
        let ids = split.validation
        let captions = table.captions(of: ids)
        let valImages = rows(images, ids, dim: d), valTexts = rows(texts, captions, dim: d)
        let amongValidation = DirectionMetrics(
            imageToText: Similarity.metrics(
                valImages, valTexts, correct: ids.map { positions(of: table.ofItem[$0], in: captions) }, dim: d),
            textToImage: Similarity.metrics(
                valTexts, valImages, correct: captions.map { positions(of: table.items[$0], in: ids) }, dim: d))
        let amongAll = validationAmongAll(
            model, dataset: dataset, split: split, table: table, imageEmbeddings: images, captionEmbeddings: texts)

        let sets = dataset.robustnessSets
        var robustness: EvaluationReport.Robustness?
        if !sets.isEmpty {
            let measured = sets.map { set -> DirectionMetrics in
                let rendered = model.embed(images: set.images)
                return DirectionMetrics(
                    imageToText: Similarity.metrics(rendered, texts, correct: table.ofItem, dim: d),
                    textToImage: Similarity.metrics(texts, rendered, correct: table.items, dim: d))
            }
            robustness = .init(
                amongAll: DirectionMetrics(
                    imageToText: .mean(measured.map(\.imageToText)), textToImage: .mean(measured.map(\.textToImage))),
                byPerturbation: Dictionary(uniqueKeysWithValues: zip(sets.map(\.name), measured)))
        }
        let cases = dataset.bindingCases(split)
        return EvaluationReport(
            validation: .init(amongValidation: amongValidation, amongAll: amongAll), robustness: robustness,
            binding: cases.isEmpty ? nil : binding(model, dataset: dataset, cases: cases, imageEmbeddings: images),
            captioning: CaptionEvaluator.evaluate(
                model, dataset: dataset, split: split, table: table, captionEmbeddings: texts, robustnessSets: sets))
    }

    /// The binding test: a case passes when its image scores the true caption more than
    /// `BindingReport.margin` above the rearranged one.
    public static func binding(
        _ model: DualEncoder, dataset: any Dataset, cases: [BindingCase], imageEmbeddings: [Float]? = nil
    ) -> BindingReport {
        let d = model.dim
        let images = imageEmbeddings ?? Self.imageEmbeddings(model, dataset)
        let texts = model.embed(tokenSequences: cases.flatMap { [$0.truth, $0.negative] })
        var passed: [String: (Int, Int)] = [:]
        for (c, item) in cases.enumerated() {
            var margin: Float = 0
            for k in 0..<d {
                margin += images[item.item * d + k] * (texts[2 * c * d + k] - texts[(2 * c + 1) * d + k])
            }
            let (hits, total) = passed[item.kind] ?? (0, 0)
            passed[item.kind] = (hits + (margin > BindingReport.margin ? 1 : 0), total + 1)
        }
        let hits = passed.values.map(\.0).reduce(0, +)
        return BindingReport(
            overall: Double(hits) / Double(max(cases.count, 1)), cases: cases.count,
            byKind: passed.mapValues { Double($0.0) / Double(max($0.1, 1)) })
    }
}
