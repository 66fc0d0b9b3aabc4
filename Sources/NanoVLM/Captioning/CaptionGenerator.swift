import Foundation
import NanoNN
import NanoTensor

/// A written caption: its word tokens (vocabulary indices) and their log-probability under
/// the decoder, `[EOS]` included.
public struct GeneratedCaption: Sendable, Equatable {
    public var tokens: [Int]
    public var logProbability: Float
}

/// Beam search over the caption decoder with a key–value cache: each step runs only the new
/// position of each live beam through the blocks, attending to the cached keys and values
/// of the positions before it. Owns every buffer, allocated once for up to `maxBeams` beams.
final class CaptionGenerator {
    static let maxBeams = 8
    let decoder: CaptionDecoder
    private let rowsCapacity: Int
    private var keys: [FloatBuffer], values: [FloatBuffer]  // per layer (beams, positions, C)
    private var spareKeys: [FloatBuffer], spareValues: [FloatBuffer]
    private let x: FloatBuffer, normed: FloatBuffer, qkv: FloatBuffer, attended: FloatBuffer
    private let middle: FloatBuffer, hidden: FloatBuffer, activated: FloatBuffer
    private let mean: FloatBuffer, rstd: FloatBuffer
    private let scores: FloatBuffer
    private let last: FloatBuffer, logits: FloatBuffer  // (beams, C), (beams, V)

    init(decoder: CaptionDecoder) {
        self.decoder = decoder
        let c = decoder.width, t = decoder.positions, layers = decoder.stack.layers
        rowsCapacity = max(Self.maxBeams, decoder.prefixTokens + 1)
        let cache = { (0..<layers).map { _ in FloatBuffer(count: Self.maxBeams * t * c) } }
        keys = cache()
        values = cache()
        spareKeys = cache()
        spareValues = cache()
        let rows = rowsCapacity
        x = FloatBuffer(count: rows * c)
        normed = FloatBuffer(count: rows * c)
        qkv = FloatBuffer(count: rows * 3 * c)
        attended = FloatBuffer(count: rows * c)
        middle = FloatBuffer(count: rows * c)
        hidden = FloatBuffer(count: rows * decoder.stack.hidden)
        activated = FloatBuffer(count: rows * decoder.stack.hidden)
        mean = FloatBuffer(count: rows)
        rstd = FloatBuffer(count: rows)
        scores = FloatBuffer(count: t)
        last = FloatBuffer(count: Self.maxBeams * c)
        logits = FloatBuffer(count: Self.maxBeams * decoder.vocabulary)
    }

    /// Runs `x` — `r` beams × `n` consecutive positions from `start`, rows beam-major — through
    /// the blocks, caching each position's keys and values, and leaves log-probabilities of the
    /// next token after each beam's last position in `logits` (r, V).
    private func advance(beams r: Int, positions n: Int, start: Int, parameters p: UnsafePointer<Float>) {
        let d = decoder, c = d.width, rows = r * n, m = d.stack.hidden, heads = d.stack.heads
        let hs = c / heads, t = d.positions, scale = 1 / Float(hs).squareRoot()
        for (l, o) in d.stack.offsets.enumerated() {
            LayerNorm.forward(
                output: normed.pointer, mean: mean.pointer, rstd: rstd.pointer, input: x.pointer,
                weight: p + o.norm1Weight, bias: p + o.norm1Bias, rows: rows, dim: c)
            Linear.forwardFewRows(
                output: qkv.pointer, input: normed.pointer, weight: p + o.inProjWeight, bias: p + o.inProjBias,
                rows: rows, inFeatures: c, outFeatures: 3 * c)
            let kc = keys[l].pointer, vc = values[l].pointer
            for b in 0..<r {
                for i in 0..<n {
                    let row = qkv.pointer + (b * n + i) * 3 * c, at = (b * t + start + i) * c
                    (kc + at).update(from: row + c, count: c)
                    (vc + at).update(from: row + 2 * c, count: c)
                }
            }
            let s = scores.pointer
            for b in 0..<r {
                for i in 0..<n {
                    let q = qkv.pointer + (b * n + i) * 3 * c, out = attended.pointer + (b * n + i) * c
                    let seen = start + i + 1
                    for h in 0..<heads {
                        var maximum = -Float.infinity
                        for j in 0..<seen {
                            let k = kc + (b * t + j) * c + h * hs
                            var dot: Float = 0
                            for e in 0..<hs { dot += q[h * hs + e] * k[e] }
                            s[j] = dot * scale
                            maximum = max(maximum, s[j])
                        }
                        var sum: Float = 0
                        for j in 0..<seen {
                            s[j] = expf(s[j] - maximum)
                            sum += s[j]
                        }
                        let o = out + h * hs
                        o.update(repeating: 0, count: hs)
                        for j in 0..<seen {
                            let w = s[j] / sum, v = vc + (b * t + j) * c + h * hs
                            for e in 0..<hs { o[e] += w * v[e] }
                        }
                    }
                }
            }
            Linear.forwardFewRows(
                output: middle.pointer, input: attended.pointer, weight: p + o.outProjWeight,
                bias: p + o.outProjBias, rows: rows, inFeatures: c, outFeatures: c)
            for k in 0..<(rows * c) { middle.pointer[k] += x.pointer[k] }
            LayerNorm.forward(
                output: normed.pointer, mean: mean.pointer, rstd: rstd.pointer, input: middle.pointer,
                weight: p + o.norm2Weight, bias: p + o.norm2Bias, rows: rows, dim: c)
            Linear.forwardFewRows(
                output: hidden.pointer, input: normed.pointer, weight: p + o.linear1Weight, bias: p + o.linear1Bias,
                rows: rows, inFeatures: c, outFeatures: m)
            GELU.forward(output: activated.pointer, input: hidden.pointer, count: rows * m)
            Linear.forwardFewRows(
                output: x.pointer, input: activated.pointer, weight: p + o.linear2Weight, bias: p + o.linear2Bias,
                rows: rows, inFeatures: m, outFeatures: c)
            for k in 0..<(rows * c) { x.pointer[k] += middle.pointer[k] }
        }
        for b in 0..<r { (last.pointer + b * c).update(from: x.pointer + (b * n + n - 1) * c, count: c) }
        LayerNorm.forward(
            output: normed.pointer, mean: mean.pointer, rstd: rstd.pointer, input: last.pointer,
            weight: p + d.normWeight, bias: p + d.normBias, rows: r, dim: c)
        Linear.forwardFewRows(
            output: logits.pointer, input: normed.pointer, weight: p + d.headWeight, bias: p + d.headBias,
            rows: r, inFeatures: c, outFeatures: d.vocabulary)
        for b in 0..<r { CaptionDecoder.logSoftmax(logits.pointer + b * d.vocabulary, d.vocabulary) }
    }

    private struct Hypothesis {
        var tokens: [Int]
        var score: Float
    }

    /// The `count` best captions of at most `maxWords` words (at least one) for a unit image
    /// embedding, best first, by beam search of width `beam` (1: greedy).
    func generate(
        embedding: UnsafePointer<Float>, parameters p: UnsafePointer<Float>, beam: Int, count: Int, maxWords: Int
    ) -> [GeneratedCaption] {
        let d = decoder, c = d.width, v = d.vocabulary, pc = d.prefixTokens * c
        let beam = max(1, min(beam, Self.maxBeams)), maxWords = max(1, min(maxWords, d.maxWords))
        // The prefix and [BOS] as one causal run of P + 1 positions.
        Linear.forwardFewRows(
            output: x.pointer, input: embedding, weight: p + d.prefixWeight, bias: p + d.prefixBias, rows: 1,
            inFeatures: d.dim, outFeatures: pc)
        (x.pointer + pc).update(from: p + d.tokenTable + Int(CaptionDecoder.beginToken) * c, count: c)
        PositionalEmbedding.forward(
            output: x.pointer, input: x.pointer, table: p + d.positionTable, batch: 1, length: d.prefixTokens + 1,
            dim: c)
        advance(beams: 1, positions: d.prefixTokens + 1, start: 0, parameters: p)
        var live = [Hypothesis(tokens: [], score: 0)]
        var finished: [Hypothesis] = []
        for step in 0...maxWords {
            var candidates: [(parent: Int, token: Int, score: Float)] = []
            for (b, hypothesis) in live.enumerated() {
                let row = logits.pointer + b * v
                for token in 0..<v {
                    let score = hypothesis.score + row[token]
                    if token == CaptionDecoder.endClass {
                        if step > 0 { finished.append(Hypothesis(tokens: hypothesis.tokens, score: score)) }
                    } else if step < maxWords {
                        candidates.append((b, token, score))
                    }
                }
            }
            finished.sort { $0.score > $1.score }
            if finished.count > beam { finished.removeLast(finished.count - beam) }
            candidates.sort { $0.score > $1.score }
            let kept = Array(candidates.prefix(beam))
            // Scores only fall as words are added: stop once no live beam can beat the finished.
            guard let best = kept.first, finished.count < beam || best.score > finished[finished.count - 1].score
            else { break }
            let t = d.prefixTokens + 1 + step
            for l in 0..<d.stack.layers {
                for (k, candidate) in kept.enumerated() {
                    (spareKeys[l].pointer + k * d.positions * c).update(
                        from: keys[l].pointer + candidate.parent * d.positions * c, count: t * c)
                    (spareValues[l].pointer + k * d.positions * c).update(
                        from: values[l].pointer + candidate.parent * d.positions * c, count: t * c)
                }
            }
            swap(&keys, &spareKeys)
            swap(&values, &spareValues)
            live = kept.map { Hypothesis(tokens: live[$0.parent].tokens + [$0.token], score: $0.score) }
            for (k, candidate) in kept.enumerated() {
                let row = x.pointer + k * c, e = p + d.tokenTable + candidate.token * c
                let position = p + d.positionTable + t * c
                for i in 0..<c { row[i] = e[i] + position[i] }
            }
            advance(beams: kept.count, positions: 1, start: t, parameters: p)
        }
        return finished.prefix(max(1, count)).map { GeneratedCaption(tokens: $0.tokens, logProbability: $0.score) }
    }
}
