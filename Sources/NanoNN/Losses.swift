import Foundation
import NanoTensor

/// Symmetric InfoNCE (CLIP's loss): logits = s · I · Tᵀ over a batch of B matched pairs,
/// loss = ½ (CE over rows, target i) + ½ (CE over columns, target j). Both inputs are
/// L2-normalised (B, D) embeddings; s = 1/τ (or exp(logit_scale) when learnable).
///
/// With `positives` — a (B, B) 0/1 matrix, 1 where text j is a caption of image i, the
/// diagonal always 1 — each row's target spreads evenly over its positives and each
/// column's over its images, so a batch holding several images of one caption does not push
/// them apart (a multi-positive InfoNCE; without it the targets are the identity).
///
/// With `texts` > B, texts B… are extra negatives (NegCLIP's hard negatives): they join
/// every row's softmax, with targets from `positives` — then (B, texts) — but have no
/// column term of their own, so the loss is still ½ row mean + ½ column mean over B.
public enum InfoNCE {
    /// Row and column targets from a (B, T) positives matrix: row i sums to 1 over all T
    /// texts, column j < B sums to 1 over the B images.
    static func targets(_ positives: UnsafePointer<Float>, batch n: Int, texts t: Int) -> (
        rows: [Float], columns: [Float]
    ) {
        var rows = [Float](repeating: 0, count: n * t), columns = [Float](repeating: 0, count: n * t)
        for i in 0..<n {
            var sum: Float = 0
            for j in 0..<t { sum += positives[i * t + j] }
            for j in 0..<t { rows[i * t + j] = positives[i * t + j] / sum }
        }
        for j in 0..<n {
            var sum: Float = 0
            for i in 0..<n { sum += positives[i * t + j] }
            for i in 0..<n { columns[i * t + j] = positives[i * t + j] / sum }
        }
        return (rows, columns)
    }

    /// - Parameters:
    ///   - similarities: (B, T) cosine similarities I · Tᵀ, saved.
    ///   - rowProbabilities, columnProbabilities: (B, T) softmaxes saved for the backward
    ///     (columns B… of `columnProbabilities` are unused).
    ///   - texts: T ≥ B, the rows of `text`; nil means B.
    /// - Returns: the loss.
    public static func forward(
        similarities: UnsafeMutablePointer<Float>,
        rowProbabilities: UnsafeMutablePointer<Float>, columnProbabilities: UnsafeMutablePointer<Float>,
        image: UnsafePointer<Float>, text: UnsafePointer<Float>, scale: Float, batch: Int, dim: Int,
        texts: Int? = nil, positives: UnsafePointer<Float>? = nil
    ) -> Float {
        let n = batch, t = texts ?? batch
        precondition(t >= n && (t == n || positives != nil), "extra negatives need a positives matrix")
        BLAS.gemm(similarities, image, text, m: n, n: t, k: dim, transposeB: true)
        let targets = positives.map { Self.targets($0, batch: n, texts: t) }
        var loss: Double = 0
        // Rows: image i against all texts.
        for i in 0..<n {
            var maximum = -Float.infinity
            for j in 0..<t { maximum = max(maximum, scale * similarities[i * t + j]) }
            var sum: Float = 0
            for j in 0..<t {
                let e = expf(scale * similarities[i * t + j] - maximum)
                rowProbabilities[i * t + j] = e
                sum += e
            }
            for j in 0..<t { rowProbabilities[i * t + j] /= sum }
            if let r = targets?.rows {
                for j in 0..<t where r[i * t + j] > 0 {
                    loss -= Double(r[i * t + j] * (scale * similarities[i * t + j] - maximum - logf(sum)))
                }
            } else {
                loss -= Double(scale * similarities[i * t + i] - maximum - logf(sum))
            }
        }
        // Columns: text j < B against all images.
        for j in 0..<n {
            var maximum = -Float.infinity
            for i in 0..<n { maximum = max(maximum, scale * similarities[i * t + j]) }
            var sum: Float = 0
            for i in 0..<n {
                let e = expf(scale * similarities[i * t + j] - maximum)
                columnProbabilities[i * t + j] = e
                sum += e
            }
            for i in 0..<n { columnProbabilities[i * t + j] /= sum }
            if let c = targets?.columns {
                for i in 0..<n where c[i * t + j] > 0 {
                    loss -= Double(c[i * t + j] * (scale * similarities[i * t + j] - maximum - logf(sum)))
                }
            } else {
                loss -= Double(scale * similarities[j * t + j] - maximum - logf(sum))
            }
        }
        return Float(loss / Double(2 * n))
    }

    /// Accumulates into dImage (B, D) and dText (T, D); returns dLoss/dScale.
    /// `dLogits` is (B, T) scratch.
    @discardableResult
    public static func backward(
        dImage: UnsafeMutablePointer<Float>, dText: UnsafeMutablePointer<Float>,
        dLogits: UnsafeMutablePointer<Float>,
        similarities: UnsafePointer<Float>,
        rowProbabilities: UnsafePointer<Float>, columnProbabilities: UnsafePointer<Float>,
        image: UnsafePointer<Float>, text: UnsafePointer<Float>, scale: Float, batch: Int, dim: Int,
        texts: Int? = nil, dLoss: Float = 1, positives: UnsafePointer<Float>? = nil
    ) -> Float {
        let n = batch, t = texts ?? batch
        let weight = dLoss / Float(2 * n)
        let targets = positives.map { Self.targets($0, batch: n, texts: t) }
        var dScale: Float = 0
        for i in 0..<n {
            for j in 0..<t {
                let g: Float
                if j < n {
                    let target: Float =
                        targets.map { $0.rows[i * t + j] + $0.columns[i * t + j] } ?? (i == j ? 2 : 0)
                    g = weight * (rowProbabilities[i * t + j] + columnProbabilities[i * t + j] - target)
                } else {
                    g = weight * (rowProbabilities[i * t + j] - (targets?.rows[i * t + j] ?? 0))
                }
                dScale += g * similarities[i * t + j]
                dLogits[i * t + j] = g * scale  // gradient w.r.t. the similarity
            }
        }
        // dI (B, D) += dS (B, T) · T (T, D);  dT (T, D) += dSᵀ · I
        BLAS.gemm(dImage, dLogits, text, m: n, n: dim, k: t, beta: 1)
        BLAS.gemm(dText, dLogits, image, m: t, n: dim, k: n, transposeA: true, beta: 1)
        return dScale
    }
}
