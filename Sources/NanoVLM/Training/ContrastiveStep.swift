import Datasets
import Dispatch
import ImageIO
import NanoNN
import NanoTensor

/// One forward and backward pass of both encoders and the symmetric InfoNCE loss over a
/// batch of matched pairs. Owns every buffer it needs, allocated once for the largest
/// batch; the training loop allocates nothing per step.
///
/// Both encoders run data-parallel: the images and the texts (captions, then any extra
/// negatives) are each cut into `parallelism` shards, shard s of both encoded and
/// back-propagated on thread s with single-threaded BLAS (small matrices parallelise better
/// across the batch than inside sgemm), and the loss sees all embeddings at once. Shard
/// gradients are summed in a fixed order, so a run is deterministic for a given `parallelism`.
final class ContrastiveStep {
    let model: DualEncoder
    let batch: Int
    let parallelism: Int
    let gradients: FloatBuffer
    /// One image workspace per shard.
    let shards: [ImageRunner]
    /// Gradients of shards 1…; shard 0 accumulates straight into `gradients`.
    let shardGradients: [FloatBuffer]
    /// One text workspace per shard.
    let texts: [TextRunner]
    let imageEmbeddings: FloatBuffer  // (B, D), all shards' outputs
    let textEmbeddings: FloatBuffer  // (B + negatives, D), all shards' outputs
    let similarities: FloatBuffer, rowProbabilities: FloatBuffer, columnProbabilities: FloatBuffer
    let dLogits: FloatBuffer, dImage: FloatBuffer, dText: FloatBuffer
    /// The most extra negative captions a batch may carry.
    let negativeCapacity: Int
    /// Extra negative captions of the current batch (rows B… of the text batch).
    private var negativeCount = 0
    /// (B, B + negatives) 1 where text j is true of image i, when some batch item has
    /// another's caption or there are negatives; nil for one-to-one batches (the identity).
    private var positives: [Float]?
    /// λ of the joint loss InfoNCE + λ · caption cross-entropy; 0: no caption loss.
    let captionWeight: Float
    /// The caption decoder's scratch for the joint loss (one thread, the whole batch).
    let captions: CaptionDecoder.Workspace?
    /// The sum of the caption losses since the trainer last reset it.
    var captionLossSum: Float = 0

    init(
        model: DualEncoder, batch: Int, negatives: Int = 0, maxLength: Int = 4, parallelism: Int = 1,
        captionWeight: Float = 0
    ) {
        self.model = model
        self.batch = batch
        negativeCapacity = negatives
        self.parallelism = max(1, min(parallelism, batch))
        gradients = FloatBuffer(count: model.parameterCount)
        let shardSize = (batch + self.parallelism - 1) / self.parallelism
        shards = model.imageEncoder.runners(count: self.parallelism, batch: shardSize, training: true)
        shardGradients = (1..<self.parallelism).map { _ in FloatBuffer(count: model.parameterCount) }
        let textRows = batch + negatives
        let textShardSize = (textRows + self.parallelism - 1) / self.parallelism
        texts = (0..<self.parallelism).map { _ in
            model.textEncoder.runner(batch: textShardSize, maxLength: maxLength, training: true)
        }
        imageEmbeddings = FloatBuffer(count: batch * model.dim)
        textEmbeddings = FloatBuffer(count: textRows * model.dim)
        similarities = FloatBuffer(count: batch * textRows)
        rowProbabilities = FloatBuffer(count: batch * textRows)
        columnProbabilities = FloatBuffer(count: batch * textRows)
        dLogits = FloatBuffer(count: batch * textRows)
        dImage = FloatBuffer(count: batch * model.dim)
        dText = FloatBuffer(count: textRows * model.dim)
        self.captionWeight = captionWeight
        captions = model.captionDecoder.flatMap { decoder in
            captionWeight > 0 ? CaptionDecoder.Workspace(decoder: decoder, batch: batch, maxWords: maxLength - 1) : nil
        }
    }

    /// Near-equal consecutive row ranges, one per shard, for a batch of `count`.
    func shardRanges(_ count: Int) -> [Range<Int>] { Self.ranges(count, parts: min(parallelism, count)) }

    /// The text rows of each shard, for a batch of `count` images and `texts` texts.
    func textRanges(_ count: Int, texts: Int) -> [Range<Int>] { Self.ranges(texts, parts: min(parallelism, count)) }

    static func ranges(_ count: Int, parts: Int) -> [Range<Int>] {
        (0..<parts).map { s in (s * count / parts)..<((s + 1) * count / parts) }
    }

    /// Writes all pairs of a batch in one go (rows 0..<count), then any extra negatives.
    func set(images batchImages: [RGBImage], words: [[Int]], negatives: [[Int]] = [], positives: [Float]? = nil) {
        precondition(batchImages.count == words.count && batchImages.count <= batch)
        precondition(negatives.count <= negativeCapacity && (negatives.isEmpty || positives != nil))
        precondition(positives == nil || positives?.count == words.count * (words.count + negatives.count))
        self.positives = positives
        negativeCount = negatives.count
        for (s, range) in shardRanges(batchImages.count).enumerated() {
            model.loadImages(batchImages[range], into: shards[s])
        }
        if let captions, let decoder = model.captionDecoder {
            for (row, caption) in words.enumerated() {
                captions.set(row: row, words: caption, prefixTokens: decoder.prefixTokens)
            }
        }
        let all = words + negatives
        for (s, range) in textRanges(words.count, texts: all.count).enumerated() {
            for r in range { texts[s].set(row: r - range.lowerBound, words: all[r]) }
        }
    }

    func set(_ batch: TrainingBatch) {
        set(images: batch.images, words: batch.words, negatives: batch.negatives, positives: batch.positives)
    }

    /// Runs `body(shard)` for every shard, on parallel threads when there are several.
    private func forEachShard(_ count: Int, _ body: (Int) -> Void) {
        if count == 1 {
            body(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: count, execute: body)
        }
    }

    /// Loss of the first `count` pairs; `gradients` holds dLoss/dParameters afterwards.
    @discardableResult
    func run(count: Int) -> Float {
        let p = model.parameters.pointer
        let d = model.dim
        let version = model.parameterVersion
        let ranges = shardRanges(count)
        // The shards share the packed weights: packed once here, not by each shard.
        shards[0].prepare(parameters: p, version: version)
        let textCount = count + negativeCount
        let textRanges = textRanges(count, texts: textCount)
        forEachShard(ranges.count) { s in
            shards[s].forward(parameters: p, version: version, count: ranges[s].count)
            (imageEmbeddings.pointer + ranges[s].lowerBound * d).update(
                from: shards[s].output.pointer, count: ranges[s].count * d)
            texts[s].forward(parameters: p, count: textRanges[s].count)
            (textEmbeddings.pointer + textRanges[s].lowerBound * d).update(
                from: texts[s].output.pointer, count: textRanges[s].count * d)
        }
        let scale = model.scale
        let loss = InfoNCE.forward(
            similarities: similarities.pointer, rowProbabilities: rowProbabilities.pointer,
            columnProbabilities: columnProbabilities.pointer, image: imageEmbeddings.pointer,
            text: textEmbeddings.pointer, scale: scale, batch: count, dim: d, texts: textCount, positives: positives)
        gradients.zero()
        dImage.zero()
        dText.zero()
        let dScale = InfoNCE.backward(
            dImage: dImage.pointer, dText: dText.pointer, dLogits: dLogits.pointer, similarities: similarities.pointer,
            rowProbabilities: rowProbabilities.pointer, columnProbabilities: columnProbabilities.pointer,
            image: imageEmbeddings.pointer, text: textEmbeddings.pointer, scale: scale, batch: count, dim: d,
            texts: textCount, positives: positives)
        model.temperatureSetting.accumulateGradient(gradients.pointer, dScale: dScale, scale: scale)
        var captionLoss: Float = 0
        if let captions, let decoder = model.captionDecoder {
            // CoCa's joint loss: the decoder reads the same embeddings, and its gradient with
            // respect to them joins InfoNCE's before the image encoder's backward.
            captions.embeddings.pointer.update(from: imageEmbeddings.pointer, count: count * d)
            captionLoss = decoder.forward(captions, parameters: p, count: count)
            decoder.backward(captions, parameters: p, gradients: gradients.pointer, count: count, weight: captionWeight)
            let di = dImage.pointer, de = captions.dEmbeddings.pointer
            for i in 0..<(count * d) { di[i] += de[i] }
            captionLossSum += captionLoss
        }
        forEachShard(ranges.count) { s in
            let g = s == 0 ? gradients : shardGradients[s - 1]
            if s > 0 { g.zero() }
            shards[s].backward(
                dOutput: dImage.pointer + ranges[s].lowerBound * d, parameters: p, gradients: g.pointer,
                count: ranges[s].count)
            texts[s].backward(
                dOutput: dText.pointer + textRanges[s].lowerBound * d, parameters: p, gradients: g.pointer,
                count: textRanges[s].count)
        }
        // The other shards' gradients added in, each thread taking a slice of the parameters
        // (per parameter the same additions in the same order as one loop).
        if ranges.count > 1 {
            let n = gradients.count, g = gradients.pointer
            forEachShard(ranges.count) { part in
                let slice = (part * n / ranges.count)..<((part + 1) * n / ranges.count)
                for s in 1..<ranges.count {
                    let extra = shardGradients[s - 1].pointer
                    for i in slice { g[i] += extra[i] }
                }
            }
        }
        return loss + captionWeight * captionLoss
    }
}
