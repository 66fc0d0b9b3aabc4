import Foundation
import GradientChecking
import NanoNN
import NanoTensor
import TestSupport
import XCTest

/// Finite-difference checks of the transformer layers: attention with a key padding mask,
/// GELU, positional and class embeddings, patch embedding, and a whole pre-LayerNorm block.
final class TransformerGradientTests: XCTestCase {
    func testGELUMatchesTanhFormulaAndBackward() {
        let n = 60
        let input = randomValues(n, seed: 21, scale: 3)
        let r = randomValues(n, seed: 22)
        let out = FloatBuffer(count: n)
        GELU.forward(output: out.pointer, input: input, count: n)
        // PyTorch's gelu(approximate='tanh') at a few points, computed in double precision.
        var worst = 0.0
        for i in 0..<n {
            let x = Double(input[i])
            let expected = 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
            worst = max(worst, abs(expected - Double(out[i])))
        }
        print("gelu vs the tanh formula: max abs difference \(worst) (tolerance 1e-6)")
        XCTAssertLessThan(worst, 1e-6)
        let dx = FloatBuffer(count: n)
        GELU.backward(dInput: dx.pointer, dOutput: r, input: input, count: n)
        checkGradient("gelu", parameters: input, analytic: dx.array, epsilon: 1e-2, tolerance: 1e-2) { x in
            let y = FloatBuffer(count: n)
            GELU.forward(output: y.pointer, input: x, count: n)
            return weightedSum(y.pointer, r)
        }
    }

    func testAttentionBackwardWithPaddingMask() {
        let (b, t, c, heads) = (2, 5, 8, 2)
        let lengths: [Int32] = [5, 3]  // the second sequence has two padded positions
        let qkv = randomValues(b * t * 3 * c, seed: 31)
        // Only valid query rows carry a loss: padded rows' outputs are unused downstream.
        var r = randomValues(b * t * c, seed: 32)
        for p in 3..<5 { for i in 0..<c { r[(t + p) * c + i] = 0 } }
        func run(_ x: [Float]) -> (out: FloatBuffer, probabilities: FloatBuffer) {
            let out = FloatBuffer(count: b * t * c), probabilities = FloatBuffer(count: b * heads * t * t)
            Attention.forward(
                output: out.pointer, probabilities: probabilities.pointer, qkv: x, lengths: lengths,
                batch: b, length: t, dim: c, heads: heads)
            return (out, probabilities)
        }
        let (_, probabilities) = run(qkv)
        // Masked keys get probability exactly 0.
        for h in 0..<heads {
            for i in 0..<t {
                for j in 3..<t { XCTAssertEqual(probabilities[((1 * heads + h) * t + i) * t + j], 0) }
            }
        }
        let dqkv = FloatBuffer(count: qkv.count), dScores = FloatBuffer(count: t * t)
        Attention.backward(
            dQKV: dqkv.pointer, dScores: dScores.pointer, dOutput: r, probabilities: probabilities.pointer, qkv: qkv,
            lengths: lengths, batch: b, length: t, dim: c, heads: heads)
        checkGradient("attention qkv", parameters: qkv, analytic: dqkv.array, epsilon: 1e-2, tolerance: 1e-2, maxChecks: 480) {
            let out = run($0).out
            return withExtendedLifetime(out) { weightedSum(out.pointer, r) }
        }
        // Padded keys and values of sequence 1 get no gradient at all.
        let g = dqkv.array
        for p in 3..<5 { for i in c..<(3 * c) { XCTAssertEqual(g[(t + p) * 3 * c + i], 0) } }
    }

    /// The decoder's mask: query i sees keys 0…i only (probability exactly 0 after it), no
    /// output depends on a later position, and the backward — unchanged, scaled by those
    /// zeros — matches finite differences, with padding as well.
    func testCausalAttention() {
        let (b, t, c, heads) = (2, 5, 8, 2)
        let lengths: [Int32] = [5, 4]
        let qkv = randomValues(b * t * 3 * c, seed: 33)
        var r = randomValues(b * t * c, seed: 34)
        for i in 0..<c { r[(t + 4) * c + i] = 0 }  // the padded query of sequence 1
        func run(_ x: [Float]) -> (out: FloatBuffer, probabilities: FloatBuffer) {
            let out = FloatBuffer(count: b * t * c), probabilities = FloatBuffer(count: b * heads * t * t)
            Attention.forward(
                output: out.pointer, probabilities: probabilities.pointer, qkv: x, lengths: lengths,
                batch: b, length: t, dim: c, heads: heads, causal: true)
            return (out, probabilities)
        }
        let (out, probabilities) = run(qkv)
        for s in 0..<b {
            for h in 0..<heads {
                for i in 0..<t {
                    let row = ((s * heads + h) * t + i) * t
                    for j in (i + 1)..<max(t, i + 1) { XCTAssertEqual(probabilities[row + j], 0, "\(s) \(h) \(i) \(j)") }
                    let seen = min(i + 1, Int(lengths[s]))
                    XCTAssertEqual((0..<seen).map { probabilities[row + $0] }.reduce(0, +), 1, accuracy: 1e-5)
                }
            }
        }
        // Changing the last position's q, k and v changes no earlier output.
        var later = qkv
        for i in 0..<(3 * c) { later[(t - 1) * 3 * c + i] += 1 }
        let moved = run(later).out
        for i in 0..<((t - 1) * c) { XCTAssertEqual(out[i], moved[i]) }
        XCTAssertNotEqual(out[(t - 1) * c], moved[(t - 1) * c])
        let dqkv = FloatBuffer(count: qkv.count), dScores = FloatBuffer(count: t * t)
        Attention.backward(
            dQKV: dqkv.pointer, dScores: dScores.pointer, dOutput: r, probabilities: probabilities.pointer, qkv: qkv,
            lengths: lengths, batch: b, length: t, dim: c, heads: heads)
        checkGradient("causal attention qkv", parameters: qkv, analytic: dqkv.array, epsilon: 1e-2, tolerance: 1e-2, maxChecks: 480) {
            let out = run($0).out
            return withExtendedLifetime(out) { weightedSum(out.pointer, r) }
        }
    }

    func testAttentionIgnoresPaddedValues() {
        let (t, c, heads) = (6, 8, 4)
        var qkv = randomValues(t * 3 * c, seed: 41)
        let lengths: [Int32] = [4]
        func firstRows(_ x: [Float]) -> [Float] {
            let out = FloatBuffer(count: t * c), probabilities = FloatBuffer(count: heads * t * t)
            Attention.forward(
                output: out.pointer, probabilities: probabilities.pointer, qkv: x, lengths: lengths,
                batch: 1, length: t, dim: c, heads: heads)
            return out.slice(0, 4 * c)
        }
        let before = firstRows(qkv)
        for i in (4 * 3 * c)..<qkv.count { qkv[i] = 1000 }  // garbage in the padded rows
        XCTAssertEqual(firstRows(qkv), before)
    }

    func testPositionalAndClassEmbeddingBackward() {
        let (b, n, c) = (2, 3, 4)
        let input = randomValues(b * n * c, seed: 51)
        let table = randomValues((n + 1) * c, seed: 52)
        let cls = randomValues(c, seed: 53)
        let r = randomValues(b * (n + 1) * c, seed: 54)
        func run(_ x: [Float], _ tb: [Float], _ cl: [Float]) -> Double {
            let y = FloatBuffer(count: b * (n + 1) * c)
            ClassToken.forward(output: y.pointer, input: x, classEmbedding: cl, batch: b, count: n, dim: c)
            PositionalEmbedding.forward(output: y.pointer, input: y.pointer, table: tb, batch: b, length: n + 1, dim: c)
            return weightedSum(y.pointer, r)
        }
        let dTable = FloatBuffer(count: table.count), dStream = FloatBuffer(r)
        let dx = FloatBuffer(count: input.count), dCls = FloatBuffer(count: c)
        PositionalEmbedding.backward(dInput: nil, dTable: dTable.pointer, dOutput: dStream.pointer, batch: b, length: n + 1, dim: c)
        ClassToken.backward(dInput: dx.pointer, dClassEmbedding: dCls.pointer, dOutput: dStream.pointer, batch: b, count: n, dim: c)
        checkGradient("position embedding", parameters: table, analytic: dTable.array) { run(input, $0, cls) }
        checkGradient("class embedding", parameters: cls, analytic: dCls.array) { run(input, table, $0) }
        checkGradient("class token input", parameters: input, analytic: dx.array) { run($0, table, cls) }
    }

    /// Tiling patches (k = p) and overlapping windows (k = 8 on p = 4, two pixels of zero
    /// padding), each against a loop-by-loop convolution and finite differences.
    func testPatchEmbeddingMatchesDirectConvolutionAndBackward() {
        for kernel in [4, 8] { checkPatchEmbedding(kernel: kernel) }
    }

    func checkPatchEmbedding(kernel kk: Int) {
        let (b, side, p, c) = (2, 8, 4, 5)
        let grid = side / p, n = grid * grid, k = 3 * kk * kk, pad = (kk - p) / 2
        let input = randomValues(b * side * side * 3, seed: 61)
        let weight = randomValues(c * k, seed: 62, scale: 0.5)
        let bias = randomValues(c, seed: 63)
        let r = randomValues(b * n * c, seed: 64)
        func run(_ x: [Float], _ w: [Float], _ bs: [Float]) -> FloatBuffer {
            let out = FloatBuffer(count: b * n * c), patches = FloatBuffer(count: b * n * k)
            PatchEmbedding.forward(
                output: out.pointer, patches: patches.pointer, input: x, weight: w, bias: bs,
                batch: b, side: side, patch: p, kernel: kk, dim: c)
            return out
        }
        // An independent loop-by-loop Conv2d(3, C, k, stride=p, padding=(k − p)/2) on the
        // NCHW-indexed weight.
        let out = run(input, weight, bias)
        var worst: Float = 0
        for bi in 0..<b {
            for py in 0..<grid {
                for px in 0..<grid {
                    for o in 0..<c {
                        var s = bias[o]
                        for ch in 0..<3 {
                            for kh in 0..<kk {
                                for kw in 0..<kk {
                                    let y = py * p - pad + kh, x = px * p - pad + kw
                                    guard (0..<side).contains(y), (0..<side).contains(x) else { continue }
                                    let pixel = input[((bi * side + y) * side + x) * 3 + ch]
                                    s += weight[((o * 3 + ch) * kk + kh) * kk + kw] * pixel
                                }
                            }
                        }
                        worst = max(worst, abs(s - out[((bi * grid + py) * grid + px) * c + o]))
                    }
                }
            }
        }
        print("patch embedding (k \(kk)) vs direct convolution: max abs difference \(worst) (tolerance 1e-5)")
        XCTAssertLessThan(worst, 1e-5)
        let patches = FloatBuffer(count: b * n * k)
        PatchEmbedding.patchify(patches.pointer, input, batch: b, side: side, patch: p, kernel: kk)
        let dx = FloatBuffer(count: input.count), dw = FloatBuffer(count: weight.count), db = FloatBuffer(count: c)
        let dPatches = FloatBuffer(count: b * n * k)
        PatchEmbedding.backward(
            dInput: dx.pointer, dWeight: dw.pointer, dBias: db.pointer, dPatches: dPatches.pointer, dOutput: r,
            patches: patches.pointer, weight: weight, batch: b, side: side, patch: p, kernel: kk, dim: c)
        // Keep each output alive while it is summed.
        func loss(_ out: FloatBuffer) -> Double { weightedSum(out.pointer, r) }
        checkGradient("patch embedding (k \(kk)) input", parameters: input, analytic: dx.array) {
            loss(run($0, weight, bias))
        }
        checkGradient("patch embedding (k \(kk)) weight", parameters: weight, analytic: dw.array) {
            loss(run(input, $0, bias))
        }
        checkGradient("patch embedding (k \(kk)) bias", parameters: bias, analytic: db.array) {
            loss(run(input, weight, $0))
        }
    }

    func testTransformerBlockBackward() {
        let (b, t, c, heads, m) = (2, 4, 8, 2, 12)
        let lengths: [Int32] = [4, 2]
        let table = TransformerBlock.parameterTable(prefix: "block", dim: c, hidden: m)
        var offsets: [String: Int] = [:]
        var count = 0
        for (name, shape) in table {
            offsets[name] = count
            count += shape.reduce(1, *)
        }
        let o = TransformerBlock.Offsets(prefix: "block") { offsets[$0] ?? -1 }
        var parameters = randomValues(count, seed: 71, scale: 0.5)
        for name in ["block.norm1.weight", "block.norm2.weight"] {
            if let start = offsets[name] { for i in 0..<c { parameters[start + i] += 1 } }
        }
        let input = randomValues(b * t * c, seed: 72)
        var r = randomValues(b * t * c, seed: 73)
        for p in 2..<4 { for i in 0..<c { r[(t + p) * c + i] = 0 } }  // padded rows carry no loss
        let saved = TransformerBlock.Saved(batch: b, length: t, dim: c, heads: heads, hidden: m)
        func run(_ x: [Float], _ w: [Float]) -> Double {
            let out = FloatBuffer(count: b * t * c)
            TransformerBlock.forward(
                output: out.pointer, saved: saved, input: x, lengths: lengths, parameters: w, offsets: o,
                batch: b, length: t, dim: c, heads: heads, hidden: m)
            return weightedSum(out.pointer, r)
        }
        _ = run(input, parameters)
        let gradients = FloatBuffer(count: count), dStream = FloatBuffer(r)
        TransformerBlock.backward(
            dStream: dStream.pointer, gradients: gradients.pointer,
            scratch: TransformerBlock.Scratch(batch: b, length: t, dim: c, hidden: m), saved: saved, input: input,
            lengths: lengths, parameters: parameters, offsets: o, batch: b, length: t, dim: c, heads: heads, hidden: m)
        var dInput = dStream.array
        // Padded rows' own gradient is their residual identity only; check the valid rows.
        for p in 2..<4 { for i in 0..<c { dInput[(t + p) * c + i] = 0 } }
        checkGradient("transformer block input", parameters: input, analytic: dInput, epsilon: 1e-2, tolerance: 2e-2) { x in
            var probe = x
            for p in 2..<4 { for i in 0..<c { probe[(t + p) * c + i] = input[(t + p) * c + i] } }
            return run(probe, parameters)
        }
        for (name, shape) in table {
            guard let start = offsets[name] else { continue }
            let n = shape.reduce(1, *)
            let values = Array(parameters[start..<(start + n)])
            checkGradient(
                "transformer block \(name)", parameters: values, analytic: gradients.slice(start, n),
                // The key bias's true gradient is 0 (softmax ignores a per-row shift): a floor
                // of 1e-2 keeps float noise in the loss from reading as a relative error.
                epsilon: 1e-2, tolerance: 3e-2, maxChecks: 120, floor: 1e-2
            ) { probe in
                var w = parameters
                w.replaceSubrange(start..<(start + n), with: probe)
                return run(input, w)
            }
        }
    }
}
