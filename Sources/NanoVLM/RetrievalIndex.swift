import Foundation
import ImageIO
import NanoTensor
import ShapesData

/// The in-memory tables the service ranks against: embeddings of the 243 canonical images,
/// the 243 captions and the 21 single words, computed once per model. Immutable, so any
/// number of request threads may read it at once.
public final class RetrievalIndex: Sendable {
    public let model: DualEncoder
    /// (243, D) canonical image embeddings, by id.
    public let imageEmbeddings: [Float]
    /// (243, D) caption embeddings, by id.
    public let captionEmbeddings: [Float]
    /// (V, D) single-word embeddings `[CLS] word`, by vocabulary index (row 0, [CLS] alone).
    public let wordEmbeddings: [Float]

    public var dim: Int { model.dim }
    public var count: Int { Dataset.count }

    public init(model: DualEncoder) {
        self.model = model
        imageEmbeddings = model.embed(images: Renderer.canonicalImages)
        captionEmbeddings = model.embed(tokenSequences: Evaluator.captionTokens)
        wordEmbeddings = model.embed(tokenSequences: [[]] + (1..<Vocabulary.tokens.count).map { [$0] })
    }

    /// One ranked candidate: `score` is the cosine similarity, `probability` the softmax of
    /// score/τ over all candidates ranked.
    public struct Hit: Equatable, Sendable {
        public let index: Int
        public let score: Float
        public let probability: Float
    }

    /// Scores of one query against (N, D) candidates: N dot products, 8 lanes at a time.
    public func scores(query: [Float], candidates: [Float]) -> [Float] {
        let d = dim, n = candidates.count / d
        let lanes = d / 8 * 8
        return [Float](unsafeUninitializedCapacity: n) { out, initialised in
            candidates.withUnsafeBufferPointer { c in
                query.withUnsafeBufferPointer { q in
                    guard let cb = c.baseAddress, let qb = q.baseAddress, let ob = out.baseAddress else { return }
                    for i in 0..<n {
                        let row = cb + i * d
                        var acc = SIMD8<Float>()
                        var j = 0
                        while j < lanes {
                            let a = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self)
                            let b = UnsafeRawPointer(qb + j).loadUnaligned(as: SIMD8<Float>.self)
                            acc += a * b  // not addingProduct: without -mfma it becomes a libm fmaf call per lane
                            j += 8
                        }
                        var s = acc.sum()
                        while j < d {
                            s += row[j] * qb[j]
                            j += 1
                        }
                        ob[i] = s
                    }
                }
            }
            initialised = n
        }
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

    /// Text → image over the 243 canonical images.
    public func searchImages(tokens: [Int], k: Int) -> [Hit] {
        rank(scores(query: embed(text: tokens), candidates: imageEmbeddings), k: k)
    }

    /// Image → text over the 243 captions.
    public func searchCaptions(image: RGBImage, k: Int) -> [Hit] {
        rank(scores(query: embed(image: image), candidates: captionEmbeddings), k: k)
    }

    /// Image → the given texts (zero-shot classification); hits index into `candidates`.
    public func rankCandidates(image: RGBImage, candidates: [[Int]], k: Int) -> [Hit] {
        rank(scores(query: embed(image: image), candidates: embed(texts: candidates)), k: k)
    }

    /// For each attribute, a probability over its words from single-word text embeddings.
    public struct Attribute: Equatable, Sendable {
        public let name: String
        public let label: String
        public let probability: Float
        /// (word, probability) in vocabulary order.
        public let probabilities: [(word: String, probability: Float)]
        public static func == (a: Attribute, b: Attribute) -> Bool {
            a.name == b.name && a.label == b.label && a.probability == b.probability
                && a.probabilities.map(\.word) == b.probabilities.map(\.word)
                && a.probabilities.map(\.probability) == b.probabilities.map(\.probability)
        }
    }

    public func classify(image: RGBImage) -> [Attribute] {
        let query = embed(image: image)
        let groups: [(String, [String])] = [
            ("colour", Colour.allCases.map(\.name)), ("shape", Shape.allCases.map(\.name)),
            ("position", Position.allCases.map(\.name)),
        ]
        return groups.map { name, words in
            let indices = words.compactMap { Vocabulary.index(of: $0) }
            let rows = indices.flatMap { wordEmbeddings[($0 * dim)..<(($0 + 1) * dim)] }
            let hits = rank(scores(query: query, candidates: rows), k: words.count)
            var probabilities = [Float](repeating: 0, count: words.count)
            for h in hits { probabilities[h.index] = h.probability }
            let best = hits.first ?? Hit(index: 0, score: 0, probability: 0)
            return Attribute(
                name: name, label: words[best.index], probability: best.probability,
                probabilities: zip(words, probabilities).map { ($0, $1) })
        }
    }

    /// The exact share of `score(text, image)` that each query word contributed, for the
    /// mean text encoder. With z = W·mean(e) + b, LayerNorm is affine in z once its mean and
    /// rstd are fixed, and L2 normalisation divides by a fixed norm, so
    ///   score = Σ_words (img · g ⊙ (W e_w − mean(W e_w)) · rstd / n / ‖LN‖)
    ///         + (img · (g ⊙ ((W e_cls − mean) / n + b − mean(b)) · rstd + β) / ‖LN‖)
    /// — one term per word plus one bias term ([CLS], projection bias and LayerNorm shift).
    public func explain(tokens: [Int], imageID: Int) -> (words: [Float], bias: Float) {
        let d = dim, e = model.config.tokenDim
        let p = model.parameters
        let layout = model.layout
        guard let table = layout.entry("text_encoder.token_embedding.weight")?.offset,
            let w = layout.entry("text_encoder.projection.weight")?.offset,
            let b = layout.entry("text_encoder.projection.bias")?.offset,
            let g = layout.entry("text_encoder.norm.weight")?.offset,
            let beta = layout.entry("text_encoder.norm.bias")?.offset
        else { return ([], 0) }
        let sequence = [Vocabulary.classToken] + tokens
        let n = Float(sequence.count)
        // Per-token projected contribution W e_t / n, centred (LayerNorm subtracts the mean).
        func centredProjection(_ token: Int) -> [Float] {
            var out = [Float](repeating: 0, count: d)
            for i in 0..<d {
                var s: Float = 0
                for j in 0..<e { s += p[w + i * e + j] * p[table + token * e + j] }
                out[i] = s / n
            }
            let mean = out.reduce(0, +) / Float(d)
            return out.map { $0 - mean }
        }
        var z = [Float](repeating: 0, count: d)
        let parts = sequence.map(centredProjection)
        for part in parts { for i in 0..<d { z[i] += part[i] } }
        var biasPart = (0..<d).map { p[b + $0] }
        let biasMean = biasPart.reduce(0, +) / Float(d)
        biasPart = biasPart.map { $0 - biasMean }
        for i in 0..<d { z[i] += biasPart[i] }
        // z is now the centred pre-norm vector; rstd from its variance.
        let variance = z.map { $0 * $0 }.reduce(0, +) / Float(d)
        let rstd = 1 / (variance + 1e-5).squareRoot()
        var normed = [Float](repeating: 0, count: d)
        for i in 0..<d { normed[i] = z[i] * rstd * p[g + i] + p[beta + i] }
        let norm = max(normed.map { $0 * $0 }.reduce(0, +).squareRoot(), 1e-12)
        let image = Array(imageEmbeddings[(imageID * d)..<((imageID + 1) * d)])
        func project(_ v: [Float], shift: Bool) -> Float {
            var s: Float = 0
            for i in 0..<d { s += image[i] * (v[i] * rstd * p[g + i] + (shift ? p[beta + i] : 0)) }
            return s / norm
        }
        let wordTerms = parts.dropFirst().map { project($0, shift: false) }
        var clsAndBias = parts[0]
        for i in 0..<d { clsAndBias[i] += biasPart[i] }
        return (Array(wordTerms), project(clsAndBias, shift: true))
    }

    /// Image → text R@1 of the 243 canonical images among all 243 captions: the start-up
    /// self-test that gates readiness.
    public func galleryRecallAt1() -> Double {
        let s = Evaluator.scores(imageEmbeddings, captionEmbeddings, dim: dim)
        return s.withUnsafeBufferPointer { ptr in
            guard let base = ptr.baseAddress else { return 0 }
            return RankMetrics(scores: base, queries: count, candidates: count, correct: Array(0..<count)).r1
        }
    }
}
