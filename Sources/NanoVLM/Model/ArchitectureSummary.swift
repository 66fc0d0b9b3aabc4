/// What a model is, in the form `GET /v1/model` and `nanovlm eval` both report it.
public struct ArchitectureSummary: Encodable, Equatable, Sendable {
    public let imageEncoder: String
    public let textEncoder: String
    public let embeddingDim: Int
    public let parameters: Int

    enum CodingKeys: String, CodingKey {
        case imageEncoder = "image_encoder", textEncoder = "text_encoder", embeddingDim = "embedding_dim", parameters
    }

    public init(_ model: DualEncoder) {
        imageEncoder = model.config.imageEncoder.rawValue
        textEncoder = model.config.textEncoder.rawValue
        embeddingDim = model.dim
        parameters = model.parameterCount
    }
}
