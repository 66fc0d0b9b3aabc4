import Datasets

/// The caption decoder's shape (docs/MODEL.md, "The caption decoder"): the image embedding
/// mapped to `prefix_tokens` C-wide tokens, then `[BOS]` and the caption's words, through L
/// causal pre-LayerNorm blocks of NH heads and an MLP of mlp_ratio·C.
public struct CaptionSettings: Codable, Equatable, Sendable {
    /// Whether the model has a decoder at all; a weights file written without one reads as off.
    public var enabled = true
    public var width = 64
    public var heads = 4
    public var layers = 2
    public var mlpRatio = 2
    /// How many tokens the image embedding becomes (one linear map D → prefix_tokens·C).
    public var prefixTokens = 4

    public init() {}

    enum CodingKeys: String, CodingKey {
        case enabled, width, heads, layers, mlpRatio = "mlp_ratio", prefixTokens = "prefix_tokens"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = CaptionSettings()
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? d.enabled
        width = try c.decodeIfPresent(Int.self, forKey: .width) ?? d.width
        heads = try c.decodeIfPresent(Int.self, forKey: .heads) ?? d.heads
        layers = try c.decodeIfPresent(Int.self, forKey: .layers) ?? d.layers
        mlpRatio = try c.decodeIfPresent(Int.self, forKey: .mlpRatio) ?? d.mlpRatio
        prefixTokens = try c.decodeIfPresent(Int.self, forKey: .prefixTokens) ?? d.prefixTokens
    }

    /// A model configuration written before the decoder existed has no `caption` key: no decoder.
    static let absent: CaptionSettings = {
        var settings = CaptionSettings()
        settings.enabled = false
        return settings
    }()

    func validate() throws {
        func fail(_ key: String, _ why: String) -> ConfigurationError {
            ConfigurationError(key: "model.caption.\(key)", message: why)
        }
        guard (1...1024).contains(width) else { throw fail("width", "must be in 1…1024 (got \(width))") }
        guard (1...width).contains(heads), width % heads == 0 else {
            throw fail("heads", "must divide caption.width = \(width) (got \(heads))")
        }
        guard (1...16).contains(layers) else { throw fail("layers", "must be in 1…16 (got \(layers))") }
        guard (1...8).contains(mlpRatio) else { throw fail("mlp_ratio", "must be in 1…8 (got \(mlpRatio))") }
        guard (1...64).contains(prefixTokens) else {
            throw fail("prefix_tokens", "must be in 1…64 (got \(prefixTokens))")
        }
    }
}
