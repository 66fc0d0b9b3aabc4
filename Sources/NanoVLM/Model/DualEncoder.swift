import Foundation
import ImageIO
import NanoTensor

/// The CLIP-style dual encoder (docs/MODEL.md): an image encoder and a text encoder mapping into
/// one D-dimensional space of unit vectors, with all parameters in one flat buffer.
public final class DualEncoder: @unchecked Sendable {
    public let config: ModelConfiguration
    public let layout: ParameterLayout
    public let vocabularySize: Int
    /// All parameters, laid out by `layout`. Read-only once the model is trained or loaded.
    public let parameters: FloatBuffer
    let imageEncoder: any ImageEncoder
    let textEncoder: any TextEncoder
    let temperatureSetting: Temperature
    /// Writes captions for image embeddings; nil when the configuration has none.
    let captionDecoder: CaptionDecoder?
    private let generatorPool: WorkspacePool<CaptionGenerator>?
    /// Bumped whenever `parameters` change (each training step), so cached packed weights
    /// are rebuilt; constant while serving.
    public private(set) var parameterVersion = 0
    /// Single-item inference scratch, one per concurrent caller.
    private let imagePool: WorkspacePool<ImageRunner>
    /// Batch inference scratch (the evaluator's and the index's chunks of 64).
    private let batchPool: WorkspacePool<ImageRunner>
    static let imageChunk = 64
    private let textPool: WorkspacePool<TextRunner>

    /// Longest token sequence the text encoder takes: [CLS] plus the dataset's words per
    /// caption (15 for the generated sets).
    public let maxSequenceLength: Int
    public static let defaultSequenceLength = 16
    /// Side of the square RGB images the image encoders take.
    public static let imageSide = 32

    /// A freshly initialised model: the same configuration and seed give the same weights.
    public convenience init(
        config: ModelConfiguration, vocabularySize: Int, sequenceLength: Int = DualEncoder.defaultSequenceLength
    ) {
        self.init(config: config, vocabularySize: vocabularySize, sequenceLength: sequenceLength, parameters: nil)
        var rng = SeededRandom(seed: config.seed)
        initialise(using: &rng)
    }

    /// A model over given parameter values (from a checkpoint), laid out by `layout`.
    public init(
        config: ModelConfiguration, vocabularySize: Int, sequenceLength: Int = DualEncoder.defaultSequenceLength,
        parameters values: [Float]?
    ) {
        self.config = config
        self.vocabularySize = vocabularySize
        maxSequenceLength = sequenceLength
        layout = ParameterLayout.dualEncoder(config, vocabularySize: vocabularySize, sequenceLength: sequenceLength)
        parameters = FloatBuffer(count: layout.count)
        if let values {
            precondition(values.count == layout.count, "parameter count mismatch")
            parameters.copy(from: values)
        }
        let image = config.imageEncoder.encoderType.init(config: config, layout: layout)
        let text = config.textEncoder.encoderType.init(
            config: config, layout: layout, vocabularySize: vocabularySize, sequenceLength: sequenceLength)
        imageEncoder = image
        textEncoder = text
        temperatureSetting = Temperature(config: config, layout: layout)
        let decoder =
            config.caption.enabled
            ? CaptionDecoder(
                config: config, layout: layout, vocabularySize: vocabularySize, sequenceLength: sequenceLength)
            : nil
        captionDecoder = decoder
        generatorPool = decoder.map { d in WorkspacePool { CaptionGenerator(decoder: d) } }
        imagePool = WorkspacePool { image.runners(count: 1, batch: 1, training: false)[0] }
        batchPool = WorkspacePool { image.runners(count: 1, batch: DualEncoder.imageChunk, training: false)[0] }
        textPool = WorkspacePool { text.runner(batch: 1, maxLength: sequenceLength, training: false) }
    }

    /// Call after changing `parameters` in place.
    public func parametersChanged() { parameterVersion &+= 1 }

    public var parameterCount: Int { layout.count }
    public var dim: Int { config.embeddingDim }

    /// The logit scale s = 1/τ, or exp(logit_scale) when learnable.
    public var scale: Float { temperatureSetting.scale(parameters.pointer) }

    /// τ in force: the configured one, or 1/exp(logit_scale).
    public var temperature: Double { temperatureSetting.temperature(parameters.pointer) }

    /// Each encoder initialises its own tensors, image encoder first, then the temperature;
    /// all draw in layout order from one generator. The caption decoder draws from its own,
    /// so the encoders start the same with or without one.
    func initialise(using rng: inout SeededRandom) {
        imageEncoder.initialise(parameters.pointer, layout: layout, using: &rng)
        textEncoder.initialise(parameters.pointer, layout: layout, using: &rng)
        temperatureSetting.initialise(parameters.pointer)
        var decoderRandom = SeededRandom(seed: config.seed ^ 0xCA97_1011)
        captionDecoder?.initialise(parameters.pointer, layout: layout, using: &decoderRandom)
    }

    /// The parameters the encoders and the temperature train: all but the caption decoder's,
    /// which come last.
    public var encoderParameters: Range<Int> {
        0..<(layout.entries.first { $0.name.hasPrefix(CaptionDecoder.prefix + ".") }?.offset ?? layout.count)
    }

    /// The caption decoder's parameters (empty without one).
    public var decoderParameters: Range<Int> { encoderParameters.upperBound..<layout.count }

    public var hasCaptionDecoder: Bool { captionDecoder != nil }

    /// The most words a written caption has.
    public var maxCaptionWords: Int { captionDecoder?.maxWords ?? 0 }

    /// A copy of one named tensor's values.
    public func tensor(_ name: String) -> [Float]? {
        guard let e = layout.entry(name) else { return nil }
        return parameters.slice(e.offset, e.count)
    }

    // MARK: Inference

    /// Embeds one 32×32 image with pooled scratch: no allocation but the result.
    public func embed(image: RGBImage) -> [Float] {
        imagePool.with { ws in
            loadImages([image][...], into: ws)
            ws.forward(parameters: parameters.pointer, version: parameterVersion, count: 1)
            return Array(UnsafeBufferPointer(start: ws.output.pointer, count: dim))
        }
    }

    /// The `count` best captions for an image by beam search of width `beam` (1: greedy),
    /// best first, each of 1…`maxWords` words; nil when the model has no caption decoder.
    public func caption(image: RGBImage, beam: Int = 3, count: Int = 1, maxWords: Int = 8) -> [GeneratedCaption]? {
        let embedding = embed(image: image)
        return caption(embedding: embedding, beam: beam, count: count, maxWords: maxWords)
    }

    /// Captions for a unit image embedding (D), as `caption(image:…)`.
    public func caption(embedding: [Float], beam: Int = 3, count: Int = 1, maxWords: Int = 8) -> [GeneratedCaption]? {
        guard let generatorPool else { return nil }
        precondition(embedding.count == dim)
        return generatorPool.with { generator in
            embedding.withUnsafeBufferPointer { e in
                guard let base = e.baseAddress else { return [] }
                return generator.generate(
                    embedding: base, parameters: parameters.pointer, beam: beam, count: count, maxWords: maxWords)
            }
        }
    }

    /// log p(words, [EOS] | image) under the caption decoder, teacher-forced; nil without one.
    public func captionLogProbability(image: RGBImage, words: [Int]) -> Float? {
        guard let decoder = captionDecoder else { return nil }
        let ws = CaptionDecoder.Workspace(decoder: decoder, batch: 1, maxWords: min(words.count, decoder.maxWords))
        let embedding = embed(image: image)
        ws.embeddings.copy(from: embedding)
        ws.set(row: 0, words: words, prefixTokens: decoder.prefixTokens)
        let mean = decoder.forward(ws, parameters: parameters.pointer, count: 1)
        return -mean * Float(ws.targetCount)
    }

    /// Embeds one token sequence (vocabulary indices without [CLS]) with pooled scratch.
    public func embed(tokens: [Int]) -> [Float] {
        textPool.with { ws in
            ws.set(row: 0, words: Array(tokens.prefix(maxSequenceLength - 1)))
            ws.forward(parameters: parameters.pointer, count: 1)
            return Array(UnsafeBufferPointer(start: ws.output.pointer, count: dim))
        }
    }

    /// Threads for embedding many images at once (each chunk on its own thread with
    /// one-thread BLAS); the trainer sets its thread count. 1 while serving, where request
    /// threads already run in parallel.
    public var inferenceThreads = 1

    /// Embeds images (any count) in chunks of 64 with pooled scratch; returns (N, D) unit rows.
    public func embed(images: [RGBImage]) -> [Float] {
        if images.count == 1 { return embed(image: images[0]) }
        return embed(count: images.count) { images[$0] }
    }

    /// Embeds `count` images that `image` makes on demand, a chunk of 64 at a time, so a large
    /// gallery is never a Float array of its own; returns (N, D) unit rows.
    public func embed(count: Int, image: (Int) -> RGBImage) -> [Float] {
        var out = [Float](repeating: 0, count: count * dim)
        guard count > 0 else { return out }
        let chunk = Self.imageChunk
        let chunks = (count + chunk - 1) / chunk
        let version = parameterVersion
        withoutActuallyEscaping(image) { image in
            out.withUnsafeMutableBufferPointer { o in
                guard let base = o.baseAddress else { return }
                let embedChunk = { (c: Int) in
                    let start = c * chunk, n = min(chunk, count - start)
                    self.batchPool.with { ws in
                        self.loadImages((start..<(start + n)).map(image)[...], into: ws)
                        ws.forward(parameters: self.parameters.pointer, version: version, count: n)
                        (base + start * self.dim).update(from: ws.output.pointer, count: n * self.dim)
                    }
                }
                if inferenceThreads > 1 && chunks > 1 {
                    DispatchQueue.concurrentPerform(iterations: chunks, execute: embedChunk)
                } else {
                    for c in 0..<chunks { embedChunk(c) }
                }
            }
        }
        return out
    }

    /// Embeds token sequences (vocabulary indices without [CLS]); returns (N, D) unit rows.
    public func embed(tokenSequences: [[Int]], chunk: Int = 256) -> [Float] {
        if tokenSequences.count == 1 { return embed(tokens: tokenSequences[0]) }
        var out = [Float](repeating: 0, count: tokenSequences.count * dim)
        guard !tokenSequences.isEmpty else { return out }
        let maxLength = min(maxSequenceLength, (tokenSequences.map(\.count).max() ?? 0) + 1)
        let ws = textEncoder.runner(batch: min(chunk, tokenSequences.count), maxLength: maxLength, training: false)
        var start = 0
        while start < tokenSequences.count {
            let n = min(ws.batch, tokenSequences.count - start)
            for r in 0..<n { ws.set(row: r, words: Array(tokenSequences[start + r].prefix(maxLength - 1))) }
            ws.forward(parameters: parameters.pointer, count: n)
            out.withUnsafeMutableBufferPointer { o in
                guard let base = o.baseAddress else { return }
                (base + start * dim).update(from: ws.output.pointer, count: n * dim)
            }
            start += n
        }
        return out
    }

    func loadImages(_ images: ArraySlice<RGBImage>, into ws: ImageRunner) {
        let side = Self.imageSide, pixelsPerImage = side * side * 3
        for (i, image) in images.enumerated() {
            precondition(image.width == side && image.height == side, "images must be 32×32")
            image.pixels.withUnsafeBufferPointer { src in
                guard let base = src.baseAddress else { return }
                (ws.pixels + i * pixelsPerImage).update(from: base, count: pixelsPerImage)
            }
        }
    }
}
