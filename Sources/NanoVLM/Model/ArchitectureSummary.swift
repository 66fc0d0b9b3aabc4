/// What a model is, in the form `GET /v1/model` and `nanovlm eval` both report it.
public struct ArchitectureSummary: Encodable, Equatable, Sendable {
    public let imageEncoder: String
    public let textEncoder: String
    public let embeddingDim: Int
    public let parameters: Int
    /// The caption decoder's shape; nil (null) for weights without one.
    public let captionDecoder: Decoder?

    public struct Decoder: Encodable, Equatable, Sendable {
        public let width: Int, layers: Int, heads: Int, prefixTokens: Int, parameters: Int
        enum CodingKeys: String, CodingKey { case width, layers, heads, prefixTokens = "prefix_tokens", parameters }
    }

    enum CodingKeys: String, CodingKey {
        case imageEncoder = "image_encoder", textEncoder = "text_encoder", embeddingDim = "embedding_dim", parameters
        case captionDecoder = "caption_decoder"
    }

    public init(_ model: DualEncoder) {
        imageEncoder = model.config.imageEncoder.rawValue
        textEncoder = model.config.textEncoder.rawValue
        embeddingDim = model.dim
        parameters = model.parameterCount
        let c = model.config.caption
        captionDecoder =
            model.hasCaptionDecoder
            ? Decoder(
                width: c.width, layers: c.layers, heads: c.heads, prefixTokens: c.prefixTokens,
                parameters: model.decoderParameters.count)
            : nil
    }

    public func encode(to encoder: Swift.Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(imageEncoder, forKey: .imageEncoder)
        try container.encode(textEncoder, forKey: .textEncoder)
        try container.encode(embeddingDim, forKey: .embeddingDim)
        try container.encode(parameters, forKey: .parameters)
        try container.encode(captionDecoder, forKey: .captionDecoder)  // null, not absent, without one
    }
}
