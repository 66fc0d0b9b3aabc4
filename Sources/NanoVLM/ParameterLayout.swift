import NanoTensor

/// Every parameter of the model in one contiguous buffer, described by one size table with
/// PyTorch names and shapes (docs/MODEL.md). Gradients and Adam's moments mirror the layout, so
/// the optimiser is one flat loop and a checkpoint is one table walk.
public struct ParameterLayout: Sendable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public var count: Int { shape.reduce(1, *) }
    }

    public let entries: [Entry]
    public let count: Int
    private let index: [String: Int]

    public init(_ table: [(String, [Int])]) {
        var entries: [Entry] = []
        var offset = 0
        for (name, shape) in table {
            entries.append(Entry(name: name, shape: shape, offset: offset))
            offset += shape.reduce(1, *)
        }
        self.entries = entries
        count = offset
        index = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.name, $0) })
    }

    public func entry(_ name: String) -> Entry? { index[name].map { entries[$0] } }

    /// The offset of a tensor that the model knows is there.
    func offset(_ name: String) -> Int {
        guard let e = entry(name) else { preconditionFailure("no parameter named \(name)") }
        return e.offset
    }

    /// The §3 table for a configuration: the image encoder's tensors, the text encoder's,
    /// then `logit_scale` when τ is learnable.
    public static func dualEncoder(_ config: ModelConfiguration, vocabularySize: Int) -> ParameterLayout {
        var table =
            config.imageEncoder == ModelConfiguration.vit
            ? VisionTransformerEncoder.parameterTable(config) : convolutionTable(config)
        table +=
            config.textEncoder == ModelConfiguration.attention
            ? AttentionTextEncoder.parameterTable(config, vocabularySize: vocabularySize)
            : meanTextTable(config, vocabularySize: vocabularySize)
        if config.learnableTemperature { table.append(("logit_scale", [])) }
        return ParameterLayout(table)
    }

    static func convolutionTable(_ config: ModelConfiguration) -> [(String, [Int])] {
        let widths = [3] + config.channels + [config.embeddingDim]
        var table: [(String, [Int])] = []
        for i in 0..<5 {
            table.append(("image_encoder.convs.\(i).weight", [widths[i + 1], widths[i], 3, 3]))
            table.append(("image_encoder.convs.\(i).bias", [widths[i + 1]]))
        }
        let d = config.embeddingDim
        table.append(("image_encoder.norm.weight", [d]))
        table.append(("image_encoder.norm.bias", [d]))
        return table
    }

    static func meanTextTable(_ config: ModelConfiguration, vocabularySize: Int) -> [(String, [Int])] {
        let d = config.embeddingDim
        return [
            ("text_encoder.token_embedding.weight", [vocabularySize, config.tokenDim]),
            ("text_encoder.projection.weight", [d, config.tokenDim]),
            ("text_encoder.projection.bias", [d]),
            ("text_encoder.norm.weight", [d]),
            ("text_encoder.norm.bias", [d]),
        ]
    }
}
