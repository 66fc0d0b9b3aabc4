import ImageIO
import NanoTensor
import ShapesData

/// Computes the evaluation metrics (docs/MODEL.md) of a model. Renders are deterministic, so the robustness
/// set is drawn once per process and reused.
public enum Evaluator {
    /// Scores (Q, C) = queries (Q, D) · candidatesᵀ (C, D).
    static func scores(_ queries: [Float], _ candidates: [Float], dim: Int) -> [Float] {
        let q = queries.count / dim, c = candidates.count / dim
        var out = [Float](repeating: 0, count: q * c)
        out.withUnsafeMutableBufferPointer { o in
            queries.withUnsafeBufferPointer { a in
                candidates.withUnsafeBufferPointer { b in
                    guard let ob = o.baseAddress, let ab = a.baseAddress, let bb = b.baseAddress else { return }
                    BLAS.gemm(ob, ab, bb, m: q, n: c, k: dim, transposeB: true)
                }
            }
        }
        return out
    }

    static func metrics(_ queries: [Float], _ candidates: [Float], correct: [Int], dim: Int) -> RankMetrics {
        let s = scores(queries, candidates, dim: dim)
        return s.withUnsafeBufferPointer { p in
            guard let base = p.baseAddress else { return RankMetrics(r1: 0, r5: 0, meanRank: 0) }
            return RankMetrics(scores: base, queries: correct.count, candidates: candidates.count / dim, correct: correct)
        }
    }

    static func rows(_ matrix: [Float], _ ids: [Int], dim: Int) -> [Float] {
        ids.flatMap { matrix[($0 * dim)..<(($0 + 1) * dim)] }
    }

    /// The word tokens of every caption, by id.
    public static let captionTokens: [[Int]] = Dataset.pairs.map(\.tokens)

    /// Validation R@1 among all 243 candidates, both directions — the per-epoch progress figure.
    public static func validationAmongAll(
        _ model: DualEncoder, split: Split, imageEmbeddings: [Float]? = nil, textEmbeddings: [Float]? = nil
    ) -> DirectionMetrics {
        let d = model.dim
        let images = imageEmbeddings ?? model.embed(images: Renderer.canonicalImages)
        let texts = textEmbeddings ?? model.embed(tokenSequences: captionTokens)
        let ids = split.validation
        return DirectionMetrics(
            imageToText: metrics(rows(images, ids, dim: d), texts, correct: ids, dim: d),
            textToImage: metrics(rows(texts, ids, dim: d), images, correct: ids, dim: d))
    }

    /// Every evaluation figure (docs/MODEL.md).
    public static func evaluate(_ model: DualEncoder, split: Split) -> EvaluationReport {
        let d = model.dim
        let images = model.embed(images: Renderer.canonicalImages)
        let texts = model.embed(tokenSequences: captionTokens)
        let ids = split.validation
        let local = Array(0..<ids.count)
        let valImages = rows(images, ids, dim: d), valTexts = rows(texts, ids, dim: d)
        let amongValidation = DirectionMetrics(
            imageToText: metrics(valImages, valTexts, correct: local, dim: d),
            textToImage: metrics(valTexts, valImages, correct: local, dim: d))
        let amongAll = validationAmongAll(model, split: split, imageEmbeddings: images, textEmbeddings: texts)

        let all = Array(0..<Dataset.count)
        var byPerturbation: [String: DirectionMetrics] = [:]
        for perturbation in Perturbation.allCases {
            let rendered = model.embed(images: Robustness.renders(perturbation))
            byPerturbation[perturbation.rawValue] = DirectionMetrics(
                imageToText: metrics(rendered, texts, correct: all, dim: d),
                textToImage: metrics(texts, rendered, correct: all, dim: d))
        }
        let ordered = Perturbation.allCases.compactMap { byPerturbation[$0.rawValue] }
        let robustAll = DirectionMetrics(
            imageToText: .mean(ordered.map(\.imageToText)), textToImage: .mean(ordered.map(\.textToImage)))
        return EvaluationReport(
            validation: .init(amongValidation: amongValidation, amongAll: amongAll),
            robustness: .init(amongAll: robustAll, byPerturbation: byPerturbation))
    }
}
