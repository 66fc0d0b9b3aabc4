import NanoTensor

/// Scratch an image encoder runs in, allocated once for a batch size and reused.
protocol ImageEncoderWorkspace: AnyObject {
    var batch: Int { get }
    /// (B, 32, 32, 3) input pixels, interleaved RGB in [0, 1].
    var pixels: UnsafeMutablePointer<Float> { get }
    /// (B, D) unit embeddings.
    var output: FloatBuffer { get }
}

/// Scratch a text encoder runs in, allocated once for a batch size and sequence length.
protocol TextEncoderWorkspace: AnyObject {
    var batch: Int { get }
    var maxLength: Int { get }
    /// (B, D) unit embeddings.
    var output: FloatBuffer { get }
    /// Writes row `row`'s sequence: [CLS] followed by `words` (vocabulary indices).
    func set(row: Int, words: [Int])
}

/// An image encoder: its tensors (names and shapes), their initialisation, and forward and
/// backward passes over its own workspace type, so a workspace made by another encoder
/// cannot be passed. Backward passes accumulate into `gradients`.
protocol ImageEncoder: Sendable {
    associatedtype Workspace: ImageEncoderWorkspace
    /// The encoder's tensors in layout order, with PyTorch names and shapes.
    static func parameterTable(_ config: ModelConfiguration) -> [(String, [Int])]
    init(config: ModelConfiguration, layout: ParameterLayout)
    /// Fills the encoder's tensors in `parameters`, drawing in table order from `rng`.
    func initialise(_ parameters: UnsafeMutablePointer<Float>, layout: ParameterLayout, using rng: inout SeededRandom)
    func makeWorkspace(batch: Int, training: Bool) -> Workspace
    /// `count` workspaces for shards of one batch, run in parallel after `prepare`.
    func makeShardWorkspaces(count: Int, batch: Int, training: Bool) -> [Workspace]
    /// Readies what shard workspaces share for parameter version `version`.
    func prepare(_ workspace: Workspace, parameters: UnsafePointer<Float>, version: Int)
    /// Embeds the first `count` images of `workspace.pixels` into `workspace.output`.
    func forward(_ workspace: Workspace, parameters: UnsafePointer<Float>, version: Int, count: Int)
    func backward(
        _ workspace: Workspace, dOutput: UnsafePointer<Float>, parameters: UnsafePointer<Float>,
        gradients: UnsafeMutablePointer<Float>, count: Int)
}

extension ImageEncoder {
    func makeShardWorkspaces(count: Int, batch: Int, training: Bool) -> [Workspace] {
        (0..<count).map { _ in makeWorkspace(batch: batch, training: training) }
    }

    func prepare(_ workspace: Workspace, parameters: UnsafePointer<Float>, version: Int) {}

    /// Runners over fresh workspaces: the encoder and its workspace bound together.
    func runners(count: Int, batch: Int, training: Bool) -> [ImageRunner] {
        makeShardWorkspaces(count: count, batch: batch, training: training).map {
            BoundImageRunner(encoder: self, workspace: $0)
        }
    }
}

/// A text encoder, shaped like `ImageEncoder`.
protocol TextEncoder: Sendable {
    associatedtype Workspace: TextEncoderWorkspace
    static func parameterTable(_ config: ModelConfiguration, vocabularySize: Int, sequenceLength: Int) -> [(
        String, [Int]
    )]
    init(config: ModelConfiguration, layout: ParameterLayout, vocabularySize: Int, sequenceLength: Int)
    func initialise(_ parameters: UnsafeMutablePointer<Float>, layout: ParameterLayout, using rng: inout SeededRandom)
    func makeWorkspace(batch: Int, maxLength: Int, training: Bool) -> Workspace
    func forward(_ workspace: Workspace, parameters: UnsafePointer<Float>, count: Int)
    func backward(
        _ workspace: Workspace, dOutput: UnsafePointer<Float>, parameters: UnsafePointer<Float>,
        gradients: UnsafeMutablePointer<Float>, count: Int)
}

extension TextEncoder {
    func runner(batch: Int, maxLength: Int, training: Bool) -> TextRunner {
        BoundTextRunner(encoder: self, workspace: makeWorkspace(batch: batch, maxLength: maxLength, training: training))
    }
}

/// An image encoder with a workspace it made: how the model, the trainer and the tests run
/// an encoder whose type is chosen by configuration.
protocol ImageRunner: AnyObject {
    var batch: Int { get }
    var pixels: UnsafeMutablePointer<Float> { get }
    var output: FloatBuffer { get }
    func prepare(parameters: UnsafePointer<Float>, version: Int)
    func forward(parameters: UnsafePointer<Float>, version: Int, count: Int)
    func backward(
        dOutput: UnsafePointer<Float>, parameters: UnsafePointer<Float>, gradients: UnsafeMutablePointer<Float>,
        count: Int)
}

/// A text encoder with a workspace it made.
protocol TextRunner: AnyObject {
    var batch: Int { get }
    var maxLength: Int { get }
    var output: FloatBuffer { get }
    func set(row: Int, words: [Int])
    func forward(parameters: UnsafePointer<Float>, count: Int)
    func backward(
        dOutput: UnsafePointer<Float>, parameters: UnsafePointer<Float>, gradients: UnsafeMutablePointer<Float>,
        count: Int)
}

final class BoundImageRunner<Encoder: ImageEncoder>: ImageRunner {
    let encoder: Encoder
    let workspace: Encoder.Workspace

    init(encoder: Encoder, workspace: Encoder.Workspace) {
        self.encoder = encoder
        self.workspace = workspace
    }

    var batch: Int { workspace.batch }
    var pixels: UnsafeMutablePointer<Float> { workspace.pixels }
    var output: FloatBuffer { workspace.output }

    func prepare(parameters: UnsafePointer<Float>, version: Int) {
        encoder.prepare(workspace, parameters: parameters, version: version)
    }

    func forward(parameters: UnsafePointer<Float>, version: Int, count: Int) {
        encoder.forward(workspace, parameters: parameters, version: version, count: count)
    }

    func backward(
        dOutput: UnsafePointer<Float>, parameters: UnsafePointer<Float>, gradients: UnsafeMutablePointer<Float>,
        count: Int
    ) {
        encoder.backward(workspace, dOutput: dOutput, parameters: parameters, gradients: gradients, count: count)
    }
}

final class BoundTextRunner<Encoder: TextEncoder>: TextRunner {
    let encoder: Encoder
    let workspace: Encoder.Workspace

    init(encoder: Encoder, workspace: Encoder.Workspace) {
        self.encoder = encoder
        self.workspace = workspace
    }

    var batch: Int { workspace.batch }
    var maxLength: Int { workspace.maxLength }
    var output: FloatBuffer { workspace.output }
    func set(row: Int, words: [Int]) { workspace.set(row: row, words: words) }

    func forward(parameters: UnsafePointer<Float>, count: Int) {
        encoder.forward(workspace, parameters: parameters, count: count)
    }

    func backward(
        dOutput: UnsafePointer<Float>, parameters: UnsafePointer<Float>, gradients: UnsafeMutablePointer<Float>,
        count: Int
    ) {
        encoder.backward(workspace, dOutput: dOutput, parameters: parameters, gradients: gradients, count: count)
    }
}
