import Foundation
import NanoTensor

/// Multi-head scaled-dot-product self-attention with a key padding mask, on the packed
/// output of one input projection (PyTorch's `in_proj`): each row of `qkv` is
/// [q (C) | k (C) | v (C)], and head h uses columns h·hs ..< (h+1)·hs of each part
/// (hs = C / NH). For sequence b only the first `lengths[b]` positions are keys: padded
/// positions get probability exactly 0, and the products run over the valid keys only, so
/// no padded value — whatever it holds — reaches a valid position.
/// Padded positions are still computed as queries (their outputs are unused downstream).
/// With `causal`, query i also sees only keys 0…i (a decoder's mask): the later columns get
/// probability exactly 0, so the backward — which scales by the probabilities — needs no
/// mask of its own.
public enum Attention {
    /// - Parameters:
    ///   - output: (B, T, C), overwritten: the heads' outputs side by side.
    ///   - probabilities: (B, NH, T, T) softmax weights, saved for the backward; masked
    ///     columns are 0.
    ///   - qkv: (B, T, 3C).
    ///   - lengths: (B) valid positions per sequence, each in 1…T.
    ///   - causal: mask the keys after each query.
    public static func forward(
        output: UnsafeMutablePointer<Float>, probabilities: UnsafeMutablePointer<Float>,
        qkv: UnsafePointer<Float>, lengths: UnsafePointer<Int32>,
        batch B: Int, length T: Int, dim C: Int, heads NH: Int, causal: Bool = false
    ) {
        let hs = C / NH
        let scale = 1 / Float(hs).squareRoot()
        for b in 0..<B {
            let valid = Int(lengths[b])
            precondition(valid >= 1 && valid <= T, "attention needs 1…T valid positions")
            for h in 0..<NH {
                let q = qkv + b * T * 3 * C + h * hs
                let k = q + C, v = q + 2 * C
                let p = probabilities + (b * NH + h) * T * T
                // Scores (T, valid) = scale · Q (T, hs) · Kᵀ, written into the first columns of P.
                BLAS.gemm(
                    p, q, k, m: T, n: valid, k: hs, lda: 3 * C, ldb: 3 * C, ldc: T, transposeB: true, alpha: scale)
                for i in 0..<T {
                    let row = p + i * T
                    let seen = causal ? min(valid, i + 1) : valid
                    var maximum = -Float.infinity
                    for j in 0..<seen { maximum = max(maximum, row[j]) }
                    var sum: Float = 0
                    for j in 0..<seen {
                        let e = expf(row[j] - maximum)
                        row[j] = e
                        sum += e
                    }
                    let inverse = 1 / sum
                    for j in 0..<seen { row[j] *= inverse }
                    for j in seen..<T { row[j] = 0 }
                }
                // Out (T, hs) = P (T, valid) · V (valid, hs), into this head's columns.
                BLAS.gemm(output + b * T * C + h * hs, p, v, m: T, n: hs, k: valid, lda: T, ldb: 3 * C, ldc: C)
            }
        }
    }

    /// Accumulates into `dQKV` (B, T, 3C). `dScores` is (T, T) scratch.
    public static func backward(
        dQKV: UnsafeMutablePointer<Float>, dScores: UnsafeMutablePointer<Float>,
        dOutput: UnsafePointer<Float>, probabilities: UnsafePointer<Float>,
        qkv: UnsafePointer<Float>, lengths: UnsafePointer<Int32>,
        batch B: Int, length T: Int, dim C: Int, heads NH: Int
    ) {
        let hs = C / NH
        let scale = 1 / Float(hs).squareRoot()
        for b in 0..<B {
            let valid = Int(lengths[b])
            for h in 0..<NH {
                let q = qkv + b * T * 3 * C + h * hs
                let k = q + C, v = q + 2 * C
                let dq = dQKV + b * T * 3 * C + h * hs
                let dk = dq + C, dv = dq + 2 * C
                let p = probabilities + (b * NH + h) * T * T
                let dOut = dOutput + b * T * C + h * hs
                // dP (T, valid) = dOut (T, hs) · Vᵀ;  dV (valid, hs) += Pᵀ · dOut
                BLAS.gemm(dScores, dOut, v, m: T, n: valid, k: hs, lda: C, ldb: 3 * C, ldc: T, transposeB: true)
                BLAS.gemm(dv, p, dOut, m: valid, n: hs, k: T, lda: T, ldb: C, ldc: 3 * C, transposeA: true, beta: 1)
                // Softmax backward: dS = P ⊙ (dP − Σ_j P dP), times the 1/√hs of the scores.
                for i in 0..<T {
                    let pr = p + i * T, ds = dScores + i * T
                    var dot: Float = 0
                    for j in 0..<valid { dot += pr[j] * ds[j] }
                    for j in 0..<valid { ds[j] = pr[j] * (ds[j] - dot) * scale }
                }
                // dQ (T, hs) += dS (T, valid) · K;  dK (valid, hs) += dSᵀ · Q
                BLAS.gemm(dq, dScores, k, m: T, n: hs, k: valid, lda: T, ldb: 3 * C, ldc: 3 * C, beta: 1)
                BLAS.gemm(
                    dk, dScores, q, m: valid, n: hs, k: T, lda: T, ldb: 3 * C, ldc: 3 * C, transposeA: true, beta: 1)
            }
        }
    }
}
