import Dispatch
import ImageIO
import NanoNN
import NanoTensor

/// One forward and backward pass of both encoders and the symmetric InfoNCE loss over a
/// batch of matched pairs. Owns every buffer it needs, allocated once for the largest
/// batch; the training loop allocates nothing per step.
///
/// The image encoder — nearly all the work — runs data-parallel: the batch is cut into
/// `parallelism` shards, each encoded and back-propagated on its own thread with
/// single-threaded BLAS (small matrices parallelise better across the batch than inside
/// sgemm), and the loss sees all embeddings at once. Shard gradients are summed in a fixed
/// order, so a run is deterministic for a given `parallelism`.
final class ContrastiveStep {
    let model: DualEncoder
    let batch: Int
    let parallelism: Int
    let gradients: FloatBuffer
    /// One image workspace per shard.
    let shards: [ImageRunner]
    /// Gradients of shards 1…; shard 0 accumulates straight into `gradients`.
    let shardGradients: [FloatBuffer]
    let texts: TextRunner
    let imageEmbeddings: FloatBuffer  // (B, D), all shards' outputs
    let similarities: FloatBuffer, rowProbabilities: FloatBuffer, columnProbabilities: FloatBuffer
    let dLogits: FloatBuffer, dImage: FloatBuffer, dText: FloatBuffer
    /// (B, B) 1 where text j is a caption of image i, when some batch item has another's
    /// caption; nil for one-to-one batches (targets the identity).
    private var positives: [Float]?

    init(model: DualEncoder, batch: Int, maxLength: Int = 4, parallelism: Int = 1) {
        self.model = model
        self.batch = batch
        self.parallelism = max(1, min(parallelism, batch))
        gradients = FloatBuffer(count: model.parameterCount)
        let shardSize = (batch + self.parallelism - 1) / self.parallelism
        shards = model.imageEncoder.runners(count: self.parallelism, batch: shardSize, training: true)
        shardGradients = (1..<self.parallelism).map { _ in FloatBuffer(count: model.parameterCount) }
        texts = model.textEncoder.runner(batch: batch, maxLength: maxLength, training: true)
        imageEmbeddings = FloatBuffer(count: batch * model.dim)
        similarities = FloatBuffer(count: batch * batch)
        rowProbabilities = FloatBuffer(count: batch * batch)
        columnProbabilities = FloatBuffer(count: batch * batch)
        dLogits = FloatBuffer(count: batch * batch)
        dImage = FloatBuffer(count: batch * model.dim)
        dText = FloatBuffer(count: batch * model.dim)
    }

    /// Near-equal consecutive row ranges, one per shard, for a batch of `count`.
    func shardRanges(_ count: Int) -> [Range<Int>] {
        let p = min(parallelism, count)
        return (0..<p).map { s in (s * count / p)..<((s + 1) * count / p) }
    }

    /// Writes all pairs of a batch in one go (rows 0..<count).
    func set(images batchImages: [RGBImage], words: [[Int]], positives: [Float]? = nil) {
        precondition(batchImages.count == words.count && batchImages.count <= batch)
        precondition(positives == nil || positives?.count == words.count * words.count)
        self.positives = positives
        for (s, range) in shardRanges(batchImages.count).enumerated() {
            model.loadImages(batchImages[range], into: shards[s])
        }
        for (r, w) in words.enumerated() { texts.set(row: r, words: w) }
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
        forEachShard(ranges.count) { s in
            shards[s].forward(parameters: p, version: version, count: ranges[s].count)
            (imageEmbeddings.pointer + ranges[s].lowerBound * d).update(
                from: shards[s].output.pointer, count: ranges[s].count * d)
        }
        texts.forward(parameters: p, count: count)
        let scale = model.scale
        let loss = InfoNCE.forward(
            similarities: similarities.pointer, rowProbabilities: rowProbabilities.pointer,
            columnProbabilities: columnProbabilities.pointer, image: imageEmbeddings.pointer,
            text: texts.output.pointer, scale: scale, batch: count, dim: d, positives: positives)
        gradients.zero()
        dImage.zero()
        dText.zero()
        let dScale = InfoNCE.backward(
            dImage: dImage.pointer, dText: dText.pointer, dLogits: dLogits.pointer, similarities: similarities.pointer,
            rowProbabilities: rowProbabilities.pointer, columnProbabilities: columnProbabilities.pointer,
            image: imageEmbeddings.pointer, text: texts.output.pointer, scale: scale, batch: count, dim: d,
            positives: positives)
        model.temperatureSetting.accumulateGradient(gradients.pointer, dScale: dScale, scale: scale)
        forEachShard(ranges.count) { s in
            let g = s == 0 ? gradients : shardGradients[s - 1]
            if s > 0 { g.zero() }
            shards[s].backward(
                dOutput: dImage.pointer + ranges[s].lowerBound * d, parameters: p, gradients: g.pointer,
                count: ranges[s].count)
        }
        texts.backward(dOutput: dText.pointer, parameters: p, gradients: gradients.pointer, count: count)
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
        return loss
    }
}
