import Datasets
import JSON
import NanoVLM

/// `GET /v1/model`.
struct ModelResponse: Encodable {
    struct Weights: Encodable {
        let source: String
        let path: String
        let sha256: String?

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(source, forKey: .source)
            try container.encode(path, forKey: .path)
            try container.encode(sha256, forKey: .sha256)  // null, not absent, when unknown
        }

        enum CodingKeys: String, CodingKey { case source, path, sha256 }
    }

    struct Training: Encodable {
        let epochs: Int
        let seconds: Double
        let finalLoss: Double
        let history: [EpochReport]
        let captionTraining: [CaptionEpochReport]?
        enum CodingKeys: String, CodingKey {
            case epochs, seconds, finalLoss = "final_loss", history, captionTraining = "caption_training"
        }
    }

    /// What the model was trained on and the gallery holds.
    struct DatasetInfo: Encodable {
        /// `data.source`: `shapes`, `folder:DIR`, `coco:FILE.json` or `tsv:FILE`.
        let source: String
        let images: Int
        /// Distinct captions: what image → text search ranks.
        let captions: Int
        /// Words a query can use.
        let vocabulary: Int
        /// SHA-256 of the dataset's files and captions; nil for a generated set.
        let sha256: String?
        /// Entries loading skipped (images without a usable caption, files that do not decode).
        let skipped: Int

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(source, forKey: .source)
            try container.encode(images, forKey: .images)
            try container.encode(captions, forKey: .captions)
            try container.encode(vocabulary, forKey: .vocabulary)
            try container.encode(sha256, forKey: .sha256)  // null, not absent, for a generated set
            try container.encode(skipped, forKey: .skipped)
        }

        enum CodingKeys: String, CodingKey { case source, images, captions, vocabulary, sha256, skipped }
    }

    struct BLASInfo: Encodable {
        let core: String
        let threads: Int
    }

    let architecture: ArchitectureSummary
    let temperature: Double
    let seed: UInt64
    let dataset: DatasetInfo
    let weights: Weights
    let training: Training?
    let metrics: EvaluationReport
    let blas: BLASInfo
    let version: String

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(architecture, forKey: .architecture)
        try container.encode(temperature, forKey: .temperature)
        try container.encode(seed, forKey: .seed)
        try container.encode(dataset, forKey: .dataset)
        try container.encode(weights, forKey: .weights)
        try container.encode(training, forKey: .training)  // null for a file without a training record
        try container.encode(metrics, forKey: .metrics)
        try container.encode(blas, forKey: .blas)
        try container.encode(version, forKey: .version)
    }

    enum CodingKeys: String, CodingKey {
        case architecture, temperature, seed, dataset, weights, training, metrics, blas, version
    }
}

/// One attribute of `POST /v1/classify`.
struct AttributeResponse: Encodable {
    let label: String
    let probability: Float
    let probabilities: [String: Float]
}

/// `POST /v1/classify` on the scenes set: the two objects, how the first stands to the
/// second, and the best captions.
struct SceneClassification: Encodable {
    struct Object: Encodable {
        let colour: String
        let shape: String
        let cell: String
    }
    struct Candidate: Encodable {
        let caption: String
        let probability: Float
    }
    let objects: [Object]
    /// The relation of the best caption, whose first-named object is `subject`.
    let relation: String
    let caption: String
    let probability: Float
    let candidates: [Candidate]

    init(_ reading: SceneReader.Reading) {
        objects = reading.objects.map {
            Object(colour: $0.type.colour.name, shape: $0.type.shape.name, cell: $0.cell.name)
        }
        relation = reading.relation.phrase
        caption = reading.captions[0].caption.text
        probability = reading.captions[0].probability
        candidates = reading.captions.map { Candidate(caption: $0.caption.text, probability: $0.probability) }
    }
}

/// `GET /v1/images` entries.
struct GalleryEntry: Encodable {
    let id: Int
    /// The first caption: the one the gallery shows.
    let caption: String
    /// Every caption, for datasets whose items may have several; absent for the shapes set.
    let captions: [String]?
    /// The dataset's own fields of the item (for the shapes set: colour, shape, position).
    let fields: [(name: String, value: JSONValue)]
    let split: String

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(id, forKey: JSONKey("id"))
        try c.encode(caption, forKey: JSONKey("caption"))
        try c.encodeIfPresent(captions, forKey: JSONKey("captions"))
        for field in fields { try c.encode(field.value, forKey: JSONKey(field.name)) }
        try c.encode(split, forKey: JSONKey("split"))
    }
}

/// A page of `GET /v1/images`: `items` are the entries from `offset` on.
struct GalleryPage: Encodable {
    let total: Int
    let offset: Int
    let items: [GalleryEntry]
}

/// `POST /v1/embed/*`.
struct EmbeddingResponse: Encodable {
    let dim: Int
    let embedding: [Float]
}

struct EmbeddingsResponse: Encodable {
    let dim: Int
    let embeddings: [[Float]]
}
