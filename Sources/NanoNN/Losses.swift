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
public enum InfoNCE {
    /// Row and column targets from a positives matrix: row i sums to 1, column j sums to 1.
    static func targets(_ positives: UnsafePointer<Float>, batch n: Int) -> (rows: [Float], columns: [Float]) {
        var rows = [Float](repeating: 0, count: n * n), columns = [Float](repeating: 0, count: n * n)
        for i in 0..<n {
            var sum: Float = 0
            for j in 0..<n { sum += positives[i * n + j] }
            for j in 0..<n { rows[i * n + j] = positives[i * n + j] / sum }
        }
        for j in 0..<n {
            var sum: Float = 0
            for i in 0..<n { sum += positives[i * n + j] }
            for i in 0..<n { columns[i * n + j] = positives[i * n + j] / sum }
        }
        return (rows, columns)
    }

    /// - Parameters:
    ///   - similarities: (B, B) cosine similarities I · Tᵀ, saved.
    ///   - rowProbabilities, columnProbabilities: (B, B) softmaxes saved for the backward.
    /// - Returns: the loss.
    public static func forward(
        similarities: UnsafeMutablePointer<Float>,
        rowProbabilities: UnsafeMutablePointer<Float>, columnProbabilities: UnsafeMutablePointer<Float>,
        image: UnsafePointer<Float>, text: UnsafePointer<Float>, scale: Float, batch: Int, dim: Int,
        positives: UnsafePointer<Float>? = nil
    ) -> Float {
        let n = batch
        BLAS.gemm(similarities, image, text, m: n, n: n, k: dim, transposeB: true)
        let targets = positives.map { Self.targets($0, batch: n) }
        var loss: Double = 0
        // Rows: image i against all texts.
        for i in 0..<n {
            var maximum = -Float.infinity
            for j in 0..<n { maximum = max(maximum, scale * similarities[i * n + j]) }
            var sum: Float = 0
            for j in 0..<n {
                let e = expf(scale * similarities[i * n + j] - maximum)
                rowProbabilities[i * n + j] = e
                sum += e
            }
            for j in 0..<n { rowProbabilities[i * n + j] /= sum }
            if let t = targets?.rows {
                for j in 0..<n where t[i * n + j] > 0 {
                    loss -= Double(t[i * n + j] * (scale * similarities[i * n + j] - maximum - logf(sum)))
                }
            } else {
                loss -= Double(scale * similarities[i * n + i] - maximum - logf(sum))
            }
        }
        // Columns: text j against all images.
        for j in 0..<n {
            var maximum = -Float.infinity
            for i in 0..<n { maximum = max(maximum, scale * similarities[i * n + j]) }
            var sum: Float = 0
            for i in 0..<n {
                let e = expf(scale * similarities[i * n + j] - maximum)
                columnProbabilities[i * n + j] = e
                sum += e
            }
            for i in 0..<n { columnProbabilities[i * n + j] /= sum }
            if let t = targets?.columns {
                for i in 0..<n where t[i * n + j] > 0 {
                    loss -= Double(t[i * n + j] * (scale * similarities[i * n + j] - maximum - logf(sum)))
                }
            } else {
                loss -= Double(scale * similarities[j * n + j] - maximum - logf(sum))
            }
        }
        return Float(loss / Double(2 * n))
    }

    /// Accumulates into dImage and dText; returns dLoss/dScale.
    /// `dLogits` is (B, B) scratch.
    @discardableResult
    public static func backward(
        dImage: UnsafeMutablePointer<Float>, dText: UnsafeMutablePointer<Float>,
        dLogits: UnsafeMutablePointer<Float>,
        similarities: UnsafePointer<Float>,
        rowProbabilities: UnsafePointer<Float>, columnProbabilities: UnsafePointer<Float>,
        image: UnsafePointer<Float>, text: UnsafePointer<Float>, scale: Float, batch: Int, dim: Int,
        dLoss: Float = 1, positives: UnsafePointer<Float>? = nil
    ) -> Float {
        let n = batch
        let weight = dLoss / Float(2 * n)
        let targets = positives.map { Self.targets($0, batch: n) }
        var dScale: Float = 0
        for i in 0..<n {
            for j in 0..<n {
                let target: Float =
                    targets.map { $0.rows[i * n + j] + $0.columns[i * n + j] } ?? (i == j ? 2 : 0)
                let g = weight * (rowProbabilities[i * n + j] + columnProbabilities[i * n + j] - target)
                dScale += g * similarities[i * n + j]
                dLogits[i * n + j] = g * scale  // gradient w.r.t. the similarity
            }
        }
        // dI (B, D) += dS (B, B) · T (B, D);  dT (B, D) += dSᵀ · I
        BLAS.gemm(dImage, dLogits, text, m: n, n: dim, k: n, beta: 1)
        BLAS.gemm(dText, dLogits, image, m: n, n: dim, k: n, transposeA: true, beta: 1)
        return dScale
    }
}
