import ImageIO
import NanoNN
import NanoTensor

/// One forward and backward pass of both encoders and the symmetric InfoNCE loss over a
/// batch of matched pairs. Owns every buffer it needs, allocated once for the largest
/// batch; the training loop allocates nothing per step.
final class ContrastiveStep {
    let model: DualEncoder
    let batch: Int
    let gradients: FloatBuffer
    let images: ImageWorkspace
    let texts: TextWorkspace
    let similarities: FloatBuffer, rowProbabilities: FloatBuffer, columnProbabilities: FloatBuffer
    let dLogits: FloatBuffer, dImage: FloatBuffer, dText: FloatBuffer

    init(model: DualEncoder, batch: Int, maxLength: Int = 4) {
        self.model = model
        self.batch = batch
        gradients = FloatBuffer(count: model.parameterCount)
        images = model.imageEncoder.makeWorkspace(batch: batch, training: true)
        texts = model.textEncoder.makeWorkspace(batch: batch, maxLength: maxLength, training: true)
        similarities = FloatBuffer(count: batch * batch)
        rowProbabilities = FloatBuffer(count: batch * batch)
        columnProbabilities = FloatBuffer(count: batch * batch)
        dLogits = FloatBuffer(count: batch * batch)
        dImage = FloatBuffer(count: batch * model.dim)
        dText = FloatBuffer(count: batch * model.dim)
    }

    /// Writes all pairs of a batch in one go (rows 0..<count).
    func set(images batchImages: [RGBImage], words: [[Int]]) {
        precondition(batchImages.count == words.count && batchImages.count <= batch)
        model.loadImages(batchImages[...], into: images)
        for (r, w) in words.enumerated() { texts.set(row: r, words: w) }
    }

    /// Loss of the first `count` pairs; `gradients` holds dLoss/dParameters afterwards.
    @discardableResult
    func run(count: Int) -> Float {
        let p = model.parameters.pointer
        let d = model.dim
        model.imageEncoder.forward(images, parameters: p, version: model.parameterVersion, count: count)
        model.textEncoder.forward(texts, parameters: p, count: count)
        let scale = model.scale
        let loss = InfoNCE.forward(
            similarities: similarities.pointer, rowProbabilities: rowProbabilities.pointer,
            columnProbabilities: columnProbabilities.pointer, image: images.output.pointer,
            text: texts.output.pointer, scale: scale, batch: count, dim: d)
        gradients.zero()
        dImage.zero()
        dText.zero()
        let dScale = InfoNCE.backward(
            dImage: dImage.pointer, dText: dText.pointer, dLogits: dLogits.pointer, similarities: similarities.pointer,
            rowProbabilities: rowProbabilities.pointer, columnProbabilities: columnProbabilities.pointer,
            image: images.output.pointer, text: texts.output.pointer, scale: scale, batch: count, dim: d)
        if let entry = model.layout.entry("logit_scale") {
            gradients[entry.offset] += dScale * scale  // s = exp(logit_scale)
        }
        model.imageEncoder.backward(images, dOutput: dImage.pointer, parameters: p, gradients: gradients.pointer, count: count)
        model.textEncoder.backward(texts, dOutput: dText.pointer, parameters: p, gradients: gradients.pointer, count: count)
        return loss
    }
}
