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

    /// The model's table: the image encoder's tensors, the text encoder's, the
    /// temperature's (`logit_scale`, when learnable), then the caption decoder's, when the
    /// model has one.
    public static func dualEncoder(
        _ config: ModelConfiguration, vocabularySize: Int, sequenceLength: Int = DualEncoder.defaultSequenceLength
    ) -> ParameterLayout {
        ParameterLayout(
            config.imageEncoder.encoderType.parameterTable(config)
                + config.textEncoder.encoderType.parameterTable(
                    config, vocabularySize: vocabularySize, sequenceLength: sequenceLength)
                + Temperature.parameterTable(config)
                + (config.caption.enabled
                    ? CaptionDecoder.parameterTable(
                        config, vocabularySize: vocabularySize, sequenceLength: sequenceLength)
                    : []))
    }
}
