import Foundation
import NanoNN
import NanoTensor

/// The caption decoder (docs/MODEL.md, "The caption decoder"), ClipCap-style: the image's
/// unit embedding (D) → one linear map → P prefix tokens of width C; then `[BOS]` and the
/// caption's words as token embeddings; learned positions over all P + 1 + words rows; L
/// causal pre-LayerNorm blocks; a final LayerNorm; a linear head over the vocabulary.
///
/// Tokens share the dataset's vocabulary. Row 0 of the token table — the text encoders'
/// `[CLS]` slot — is `[BOS]` going in, and class 0 of the head is `[EOS]` coming out; every
/// other index is the same word both ways. Position P holds `[BOS]` and predicts the first
/// word; position P + i predicts word i + 1, and the position after the last word `[EOS]`.
struct CaptionDecoder: Sendable {
    static let prefix = "caption_decoder"
    static let beginToken: Int32 = 0
    static let endClass = 0

    let width: Int, dim: Int, vocabulary: Int, prefixTokens: Int
    /// Rows of the position table: the prefix, `[BOS]` and the most words a caption has.
    let positions: Int
    let stack: TransformerStack
    let prefixWeight: Int, prefixBias: Int, tokenTable: Int, positionTable: Int
    let normWeight: Int, normBias: Int, headWeight: Int, headBias: Int

    /// The longest caption the decoder writes or trains on.
    var maxWords: Int { positions - prefixTokens - 1 }

    static func parameterTable(_ config: ModelConfiguration, vocabularySize v: Int, sequenceLength: Int) -> [(
        String, [Int]
    )] {
        let s = config.caption, c = s.width
        return [
            ("\(prefix).prefix.weight", [s.prefixTokens * c, config.embeddingDim]),
            ("\(prefix).prefix.bias", [s.prefixTokens * c]),
            ("\(prefix).token_embedding.weight", [v, c]),
            ("\(prefix).position_embedding.weight", [s.prefixTokens + sequenceLength, c]),
        ]
            + TransformerStack.parameterTable(prefix: prefix, dim: c, layers: s.layers, hidden: s.mlpRatio * c)
            + [
                ("\(prefix).norm.weight", [c]), ("\(prefix).norm.bias", [c]),
                ("\(prefix).lm_head.weight", [v, c]), ("\(prefix).lm_head.bias", [v]),
            ]
    }

    /// - Parameter sequenceLength: `[BOS]` plus the most words (the text encoders' `[CLS]` + words).
    init(config: ModelConfiguration, layout: ParameterLayout, vocabularySize: Int, sequenceLength: Int) {
        let s = config.caption
        width = s.width
        dim = config.embeddingDim
        vocabulary = vocabularySize
        prefixTokens = s.prefixTokens
        positions = s.prefixTokens + sequenceLength
        stack = TransformerStack(
            prefix: Self.prefix, dim: s.width, heads: s.heads, layers: s.layers, hidden: s.mlpRatio * s.width,
            layout: layout, causal: true)
        let p = Self.prefix
        prefixWeight = layout.offset("\(p).prefix.weight")
        prefixBias = layout.offset("\(p).prefix.bias")
        tokenTable = layout.offset("\(p).token_embedding.weight")
        positionTable = layout.offset("\(p).position_embedding.weight")
        normWeight = layout.offset("\(p).norm.weight")
        normBias = layout.offset("\(p).norm.bias")
        headWeight = layout.offset("\(p).lm_head.weight")
        headBias = layout.offset("\(p).lm_head.bias")
    }

    /// Token and position embeddings N(0, 1); the rest by `Initialisation.standard`.
    func initialise(_ parameters: UnsafeMutablePointer<Float>, layout: ParameterLayout, using rng: inout SeededRandom) {
        Initialisation.forEach(under: Self.prefix, in: layout, parameters) { entry, base in
            switch entry.name {
            case "\(Self.prefix).token_embedding.weight", "\(Self.prefix).position_embedding.weight":
                Initialisation.normal(entry, base, std: 1, using: &rng)
            default: Initialisation.standard(entry, base, using: &rng)
            }
        }
    }

    /// Teacher-forced training scratch for up to `batch` captions of up to `maxWords` words.
    final class Workspace {
        let batch: Int, length: Int
        /// (B, D) the image embeddings the captions are conditioned on; set by the caller.
        let embeddings: FloatBuffer
        /// (B, D) dLoss/dEmbeddings after `backward`.
        let dEmbeddings: FloatBuffer
        let prefix: FloatBuffer  // (B, P·C)
        let tokens: UnsafeMutablePointer<Int32>  // (B, T): inputs at positions P…
        let targets: UnsafeMutablePointer<Int32>  // (B, T): the class each position predicts, −1 none
        let stack: TransformerStack.Workspace
        let normed: FloatBuffer, mean: FloatBuffer, rstd: FloatBuffer  // (B·T, C), (B·T), (B·T)
        let probabilities: FloatBuffer  // (B·T, V): logits, then softmax where a target is
        let dNormed: FloatBuffer
        /// Positions with a target in the last forward.
        private(set) var targetCount = 0

        init(decoder: CaptionDecoder, batch: Int, maxWords: Int) {
            precondition(maxWords <= decoder.maxWords)
            self.batch = batch
            length = decoder.prefixTokens + 1 + maxWords
            let rows = batch * length, c = decoder.width
            embeddings = FloatBuffer(count: batch * decoder.dim)
            dEmbeddings = FloatBuffer(count: batch * decoder.dim)
            prefix = FloatBuffer(count: batch * decoder.prefixTokens * c)
            tokens = .allocate(capacity: rows)
            tokens.initialize(repeating: 0, count: rows)
            targets = .allocate(capacity: rows)
            targets.initialize(repeating: -1, count: rows)
            stack = TransformerStack.Workspace(stack: decoder.stack, batch: batch, length: length, training: true)
            normed = FloatBuffer(count: rows * c)
            mean = FloatBuffer(count: rows)
            rstd = FloatBuffer(count: rows)
            probabilities = FloatBuffer(count: rows * decoder.vocabulary)
            dNormed = FloatBuffer(count: rows * c)
        }

        deinit {
            tokens.deallocate()
            targets.deallocate()
        }

        /// Row `row`'s caption: `[BOS]` and `words` go in; `words` and `[EOS]` are the targets.
        func set(row: Int, words: [Int], prefixTokens p: Int) {
            let n = min(words.count, length - p - 1)
            let t = tokens + row * length, y = targets + row * length
            t.update(repeating: 0, count: length)
            y.update(repeating: -1, count: length)
            t[p] = CaptionDecoder.beginToken
            for i in 0..<n {
                t[p + 1 + i] = Int32(words[i])
                y[p + i] = Int32(words[i])
            }
            y[p + n] = Int32(CaptionDecoder.endClass)
            stack.lengths[row] = Int32(p + 1 + n)
        }

        func countTargets(_ count: Int) {
            targetCount = 0
            for i in 0..<(count * length) where targets[i] >= 0 { targetCount += 1 }
        }
    }

    /// The mean cross-entropy of the first `count` rows' targets, teacher-forced.
    @discardableResult
    func forward(_ ws: Workspace, parameters p: UnsafePointer<Float>, count: Int) -> Float {
        let t = ws.length, c = width, pc = prefixTokens * width, x = ws.stack.streams[0].pointer
        Linear.forward(
            output: ws.prefix.pointer, input: ws.embeddings.pointer, weight: p + prefixWeight, bias: p + prefixBias,
            rows: count, inFeatures: dim, outFeatures: pc)
        for b in 0..<count {
            (x + b * t * c).update(from: ws.prefix.pointer + b * pc, count: pc)
            Embedding.forward(
                output: x + (b * t + prefixTokens) * c, tokens: ws.tokens + b * t + prefixTokens,
                table: p + tokenTable, count: t - prefixTokens, dim: c)
        }
        PositionalEmbedding.forward(output: x, input: x, table: p + positionTable, batch: count, length: t, dim: c)
        stack.forward(ws.stack, parameters: p, count: count)
        let rows = count * t
        LayerNorm.forward(
            output: ws.normed.pointer, mean: ws.mean.pointer, rstd: ws.rstd.pointer, input: ws.stack.output,
            weight: p + normWeight, bias: p + normBias, rows: rows, dim: c)
        Linear.forward(
            output: ws.probabilities.pointer, input: ws.normed.pointer, weight: p + headWeight, bias: p + headBias,
            rows: rows, inFeatures: c, outFeatures: vocabulary)
        ws.countTargets(count)
        var loss: Double = 0
        for r in 0..<rows where ws.targets[r] >= 0 {
            loss -= Double(
                Self.logSoftmaxInPlace(ws.probabilities.pointer + r * vocabulary, vocabulary, Int(ws.targets[r])))
        }
        return Float(loss / Double(max(ws.targetCount, 1)))
    }

    /// Turns a row of logits into probabilities and returns the log-probability of `target`.
    static func logSoftmaxInPlace(_ row: UnsafeMutablePointer<Float>, _ n: Int, _ target: Int) -> Float {
        logSoftmax(row, n)
        let picked = row[target]
        for j in 0..<n { row[j] = expf(row[j]) }
        return picked
    }

    /// Replaces a row of logits by its log-softmax.
    static func logSoftmax(_ row: UnsafeMutablePointer<Float>, _ n: Int) {
        var maximum = -Float.infinity
        for j in 0..<n { maximum = max(maximum, row[j]) }
        var sum: Float = 0
        for j in 0..<n { sum += expf(row[j] - maximum) }
        let logSum = logf(sum) + maximum
        for j in 0..<n { row[j] -= logSum }
    }

    /// Accumulates `weight` × dLoss/dParameters into `g` and writes `weight` × dLoss/dEmbeddings
    /// into `ws.dEmbeddings`, for the loss of the last `forward`.
    func backward(
        _ ws: Workspace, parameters p: UnsafePointer<Float>, gradients g: UnsafeMutablePointer<Float>, count: Int,
        weight: Float = 1
    ) {
        let t = ws.length, c = width, pc = prefixTokens * width, rows = count * t, v = vocabulary
        // dLogits = weight · (softmax − onehot) / N on target rows, 0 elsewhere; in place.
        let scale = weight / Float(max(ws.targetCount, 1))
        let d = ws.probabilities.pointer
        for r in 0..<rows {
            let row = d + r * v
            let target = Int(ws.targets[r])
            if target < 0 {
                row.update(repeating: 0, count: v)
                continue
            }
            for j in 0..<v { row[j] *= scale }
            row[target] -= scale
        }
        ws.dNormed.zero()
        Linear.backward(
            dInput: ws.dNormed.pointer, dWeight: g + headWeight, dBias: g + headBias, dOutput: d,
            input: ws.normed.pointer, weight: p + headWeight, rows: rows, inFeatures: c, outFeatures: v)
        let dx = ws.stack.dStream.pointer
        dx.update(repeating: 0, count: rows * c)
        LayerNorm.backward(
            dInput: dx, dWeight: g + normWeight, dBias: g + normBias, dOutput: ws.dNormed.pointer,
            input: ws.stack.output, mean: ws.mean.pointer, rstd: ws.rstd.pointer, weight: p + normWeight,
            rows: rows, dim: c)
        stack.backward(ws.stack, parameters: p, gradients: g, count: count)
        PositionalEmbedding.backward(
            dInput: nil, dTable: g + positionTable, dOutput: dx, batch: count, length: t, dim: c)
        for b in 0..<count {
            let valid = Int(ws.stack.lengths[b])
            Embedding.backward(
                dTable: g + tokenTable, dOutput: dx + (b * t + prefixTokens) * c,
                tokens: ws.tokens + b * t + prefixTokens, count: valid - prefixTokens, dim: c)
            // The prefix rows' gradient, gathered (B, P·C) into the prefix buffer (no longer needed).
            (ws.prefix.pointer + b * pc).update(from: dx + b * t * c, count: pc)
        }
        ws.dEmbeddings.zero()
        Linear.backward(
            dInput: ws.dEmbeddings.pointer, dWeight: g + prefixWeight, dBias: g + prefixBias,
            dOutput: ws.prefix.pointer, input: ws.embeddings.pointer, weight: p + prefixWeight, rows: count,
            inFeatures: dim, outFeatures: pc)
    }
}
