import Datasets
import Foundation
import ImageIO
import NanoTensor

/// The in-memory tables the service ranks against: embeddings of a dataset's gallery
/// images, its captions and its single words, computed once per model. Immutable, so any
/// number of request threads may read it at once.
public final class RetrievalIndex: Sendable {
    public let model: DualEncoder
    public let dataset: any Dataset
    /// (N, D) gallery image embeddings, by id.
    public let imageEmbeddings: [Float]
    /// The distinct captions that image → text search ranks.
    public let captions: CaptionTable
    /// (C, D) caption embeddings, in `captions` order.
    public let captionEmbeddings: [Float]
    /// (V, D) single-word embeddings `[CLS] word`, by vocabulary index (row 0, [CLS] alone).
    public let wordEmbeddings: [Float]

    public var dim: Int { model.dim }
    public var count: Int { dataset.count }

    public init(model: DualEncoder, dataset: any Dataset) {
        self.model = model
        self.dataset = dataset
        imageEmbeddings = Evaluator.imageEmbeddings(model, dataset)
        let captions = CaptionTable(dataset)
        self.captions = captions
        captionEmbeddings = Evaluator.captionEmbeddings(model, captions)
        wordEmbeddings = model.embed(tokenSequences: [[]] + (1..<dataset.vocabulary.count).map { [$0] })
    }

    /// One ranked candidate: `score` is the cosine similarity, `probability` the softmax of
    /// score/τ over all candidates ranked.
    public struct Hit: Equatable, Sendable {
        public let index: Int
        public let score: Float
        public let probability: Float
    }

    public func scores(query: [Float], candidates: [Float]) -> [Float] {
        Similarity.scores(query: query, candidates: candidates, dim: dim)
    }

    /// The top `k` of `scores` by score descending, ties by index, with softmax(score/τ)
    /// probabilities over all of them. Small k (the usual case) keeps a sorted top list
    /// instead of sorting every candidate.
    public func rank(_ scores: [Float], k: Int) -> [Hit] {
        let n = scores.count
        let k = min(max(0, k), n)
        let scale = model.scale
        let maximum = scores.max() ?? 0
        var sum: Float = 0
        for s in scores { sum += expf(scale * (s - maximum)) }
        @inline(__always) func before(_ a: Int, _ b: Int) -> Bool {
            scores[a] > scores[b] || (scores[a] == scores[b] && a < b)
        }
        var order: [Int]
        if k <= 32 {
            order = []
            order.reserveCapacity(k + 1)
            for i in 0..<n {
                guard order.count < k || before(i, order[order.count - 1]) else { continue }
                var at = order.count
                while at > 0 && before(i, order[at - 1]) { at -= 1 }
                order.insert(i, at: at)
                if order.count > k { order.removeLast() }
            }
        } else {
            order = Array(scores.indices.sorted(by: before).prefix(k))
        }
        return order.map { i in
            Hit(index: i, score: scores[i], probability: expf(scale * (scores[i] - maximum)) / sum)
        }
    }

    public func embed(text tokens: [Int]) -> [Float] { model.embed(tokenSequences: [tokens]) }
    public func embed(texts: [[Int]]) -> [Float] { model.embed(tokenSequences: texts) }
    public func embed(image: RGBImage) -> [Float] { model.embed(images: [image]) }

    /// Text → image over the gallery images.
    public func searchImages(tokens: [Int], k: Int) -> [Hit] {
        rank(scores(query: embed(text: tokens), candidates: imageEmbeddings), k: k)
    }

    /// Image → text over the distinct captions; hits index into `captions`.
    public func searchCaptions(image: RGBImage, k: Int) -> [Hit] {
        rank(scores(query: embed(image: image), candidates: captionEmbeddings), k: k)
    }

    /// Image → the given texts (zero-shot classification); hits index into `candidates`.
    public func rankCandidates(image: RGBImage, candidates: [[Int]], k: Int) -> [Hit] {
        rank(scores(query: embed(image: image), candidates: embed(texts: candidates)), k: k)
    }

    /// For each attribute, a probability over its words from single-word text embeddings.
    public struct Prediction: Equatable, Sendable {
        public let name: String
        public let label: String
        public let probability: Float
        /// (word, probability) in vocabulary order.
        public let probabilities: [(word: String, probability: Float)]
        public static func == (a: Prediction, b: Prediction) -> Bool {
            a.name == b.name && a.label == b.label && a.probability == b.probability
                && a.probabilities.map(\.word) == b.probabilities.map(\.word)
                && a.probabilities.map(\.probability) == b.probabilities.map(\.probability)
        }
    }

    /// Each of the dataset's attributes, predicted from single-word embeddings; empty for a
    /// dataset without attributes.
    public func classify(image: RGBImage) -> [Prediction] {
        let query = embed(image: image)
        let vocabulary = dataset.vocabulary
        return dataset.attributes.map { attribute in
            let words = attribute.words
            let indices = words.compactMap { vocabulary.index(of: $0) }
            let rows = indices.flatMap { wordEmbeddings[($0 * dim)..<(($0 + 1) * dim)] }
            let hits = rank(scores(query: query, candidates: rows), k: words.count)
            var probabilities = [Float](repeating: 0, count: words.count)
            for h in hits { probabilities[h.index] = h.probability }
            let best = hits.first ?? Hit(index: 0, score: 0, probability: 0)
            return Prediction(
                name: attribute.name, label: words[best.index], probability: best.probability,
                probabilities: zip(words, probabilities).map { ($0, $1) })
        }
    }

    /// Whether `explain` is exact for this model: only the mean text encoder's score is a
    /// sum of one term per word.
    public var canExplain: Bool { model.textEncoder is MeanTextEncoder }

    /// The exact share of `score(text, image)` that each query word contributed, plus a bias
    /// term; nil unless `canExplain`.
    public func explain(tokens: [Int], imageID: Int) -> (words: [Float], bias: Float)? {
        guard let encoder = model.textEncoder as? MeanTextEncoder else { return nil }
        let image = Array(imageEmbeddings[(imageID * dim)..<((imageID + 1) * dim)])
        return encoder.explain(tokens: tokens, image: image, parameters: model.parameters.pointer)
    }

    /// Images the start-up self-test ranks at most: evenly spaced ids beyond this.
    public static let selfTestImages = 2000

    /// Image → text R@1 of the gallery images among all captions (a hit: any caption of
    /// the image): the start-up self-test that gates readiness. A large gallery is sampled.
    public func galleryRecallAt1() -> Double {
        let n = min(count, Self.selfTestImages)
        let ids = (0..<n).map { $0 * count / n }
        return Similarity.metrics(
            Evaluator.rows(imageEmbeddings, ids, dim: dim), captionEmbeddings, correct: ids.map { captions.ofItem[$0] },
            dim: dim
        ).r1
    }
}
