import NanoTensor

/// The image encoder a configuration selects (`model.image_encoder`), with its workspace
/// kind alongside: a workspace always comes from the same encoder's `makeWorkspace`.
enum ImageTower {
    case cnn(ImageEncoder)
    case vit(VisionTransformerEncoder)

    init(config: ModelConfiguration, layout: ParameterLayout) {
        switch config.imageEncoder {
        case ModelConfiguration.vit: self = .vit(VisionTransformerEncoder(config: config, layout: layout))
        default: self = .cnn(ImageEncoder(config: config, layout: layout))
        }
    }

    func makeWorkspace(batch: Int, training: Bool) -> ImageWorkspace {
        switch self {
        case .cnn(let e): return .cnn(ImageEncoder.Workspace(encoder: e, batch: batch, training: training))
        case .vit(let e): return .vit(VisionTransformerEncoder.Workspace(encoder: e, batch: batch, training: training))
        }
    }

    /// `count` workspaces for shards of one batch, run in parallel: the CNN's share one set
    /// of packed weights, which `prepare` fills before each parallel forward.
    func makeShardWorkspaces(count: Int, batch: Int, training: Bool) -> [ImageWorkspace] {
        switch self {
        case .cnn(let e):
            let packed = ImageEncoder.PackedWeights(encoder: e, training: training)
            return (0..<count).map { _ in
                .cnn(ImageEncoder.Workspace(encoder: e, batch: batch, training: training, packed: packed))
            }
        case .vit:
            return (0..<count).map { _ in makeWorkspace(batch: batch, training: training) }
        }
    }

    /// Readies what shard workspaces share for parameter version `version`; call before
    /// running their forwards in parallel.
    func prepare(_ ws: ImageWorkspace, parameters p: UnsafePointer<Float>, version: Int) {
        if case (.cnn(let e), .cnn(let w)) = (self, ws) { e.pack(w.packed, parameters: p, version: version) }
    }

    /// Embeds the `count` images in `ws.pixels` into `ws.output` (count, D).
    func forward(_ ws: ImageWorkspace, parameters p: UnsafePointer<Float>, version: Int, count: Int) {
        switch (self, ws) {
        case (.cnn(let e), .cnn(let w)): e.forward(w, parameters: p, version: version, count: count)
        case (.vit(let e), .vit(let w)): e.forward(w, parameters: p, count: count)
        default: preconditionFailure("image workspace of another encoder")
        }
    }

    func backward(
        _ ws: ImageWorkspace, dOutput: UnsafePointer<Float>, parameters p: UnsafePointer<Float>,
        gradients g: UnsafeMutablePointer<Float>, count: Int
    ) {
        switch (self, ws) {
        case (.cnn(let e), .cnn(let w)): e.backward(w, dOutput: dOutput, parameters: p, gradients: g, count: count)
        case (.vit(let e), .vit(let w)): e.backward(w, dOutput: dOutput, parameters: p, gradients: g, count: count)
        default: preconditionFailure("image workspace of another encoder")
        }
    }
}

enum ImageWorkspace {
    case cnn(ImageEncoder.Workspace)
    case vit(VisionTransformerEncoder.Workspace)

    var batch: Int {
        switch self {
        case .cnn(let w): return w.batch
        case .vit(let w): return w.batch
        }
    }

    /// (B, 32, 32, 3) input pixels.
    var pixels: UnsafeMutablePointer<Float> {
        switch self {
        case .cnn(let w): return w.activations[0].pointer
        case .vit(let w): return w.pixels.pointer
        }
    }

    /// (B, D) unit embeddings.
    var output: FloatBuffer {
        switch self {
        case .cnn(let w): return w.output
        case .vit(let w): return w.output
        }
    }
}

/// The text encoder a configuration selects (`model.text_encoder`).
enum TextTower {
    case mean(TextEncoder)
    case attention(AttentionTextEncoder)

    init(config: ModelConfiguration, layout: ParameterLayout, vocabularySize: Int) {
        switch config.textEncoder {
        case ModelConfiguration.attention: self = .attention(AttentionTextEncoder(config: config, layout: layout))
        default: self = .mean(TextEncoder(config: config, layout: layout, vocabularySize: vocabularySize))
        }
    }

    func makeWorkspace(batch: Int, maxLength: Int, training: Bool) -> TextWorkspace {
        switch self {
        case .mean(let e):
            return .mean(TextEncoder.Workspace(encoder: e, batch: batch, maxLength: maxLength, training: training))
        case .attention(let e):
            return .attention(
                AttentionTextEncoder.Workspace(encoder: e, batch: batch, maxLength: maxLength, training: training))
        }
    }

    func forward(_ ws: TextWorkspace, parameters p: UnsafePointer<Float>, count: Int) {
        switch (self, ws) {
        case (.mean(let e), .mean(let w)): e.forward(w, parameters: p, count: count)
        case (.attention(let e), .attention(let w)): e.forward(w, parameters: p, count: count)
        default: preconditionFailure("text workspace of another encoder")
        }
    }

    func backward(
        _ ws: TextWorkspace, dOutput: UnsafePointer<Float>, parameters p: UnsafePointer<Float>,
        gradients g: UnsafeMutablePointer<Float>, count: Int
    ) {
        switch (self, ws) {
        case (.mean(let e), .mean(let w)): e.backward(w, dOutput: dOutput, parameters: p, gradients: g, count: count)
        case (.attention(let e), .attention(let w)):
            e.backward(w, dOutput: dOutput, parameters: p, gradients: g, count: count)
        default: preconditionFailure("text workspace of another encoder")
        }
    }
}

enum TextWorkspace {
    case mean(TextEncoder.Workspace)
    case attention(AttentionTextEncoder.Workspace)

    var batch: Int {
        switch self {
        case .mean(let w): return w.batch
        case .attention(let w): return w.batch
        }
    }

    var maxLength: Int {
        switch self {
        case .mean(let w): return w.maxLength
        case .attention(let w): return w.maxLength
        }
    }

    var output: FloatBuffer {
        switch self {
        case .mean(let w): return w.output
        case .attention(let w): return w.output
        }
    }

    /// Writes row `row`'s sequence: [CLS] followed by `words` (vocabulary indices).
    func set(row: Int, words: [Int]) {
        switch self {
        case .mean(let w): w.set(row: row, words: words)
        case .attention(let w): w.set(row: row, words: words)
        }
    }
}
