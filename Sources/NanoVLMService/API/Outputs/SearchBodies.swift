import JSON

/// One ranked result (docs/API.md, both search directions).
struct SearchHit: Encodable {
    let rank: Int
    /// The image's id (ranking captions: the first image carrying the caption); for ranked
    /// `candidates`, the candidate's position in the list.
    let id: Int
    let caption: String
    /// Cosine similarity.
    let score: Float
    /// softmax(score / τ) over every candidate ranked.
    let probability: Float
    /// The canonical image of the pair; absent for free-text candidates.
    let imageURL: String?
    /// With `explain=true`: each query word's exact share of `score`.
    let explanation: Explanation?
    /// The dataset's result fields of image `id` (a scene's `objects`); none for most sets.
    var fields: [(name: String, value: JSONValue)] = []

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(rank, forKey: JSONKey("rank"))
        try c.encode(id, forKey: JSONKey("id"))
        try c.encode(caption, forKey: JSONKey("caption"))
        try c.encode(score, forKey: JSONKey("score"))
        try c.encode(probability, forKey: JSONKey("probability"))
        try c.encodeIfPresent(imageURL, forKey: JSONKey("image_url"))
        for field in fields { try c.encode(field.value, forKey: JSONKey(field.name)) }
        try c.encodeIfPresent(explanation, forKey: JSONKey("explanation"))
    }
}

/// Per-word contributions plus one bias term that sum to the score.
struct Explanation: Encodable {
    struct Word: Encodable {
        let word: String
        let contribution: Float
    }

    let words: [Word]
    let bias: Float
}

/// `{"query": ..., "k": n, "results": [...]}`.
struct SearchResponse<Query: Encodable>: Encodable {
    let query: Query
    let k: Int
    let results: [SearchHit]
    /// Words of a text query that an open vocabulary does not know (they were ignored);
    /// absent when there were none.
    var unknownWords: [String]? = nil

    enum CodingKeys: String, CodingKey { case query, k, results, unknownWords = "unknown_words" }
}

/// What an image query was, echoed as the `query` of an image → text search.
struct ImageQuery: Encodable {
    /// The uploaded image's media type, from its signature: image/png or image/jpeg.
    let type: String
    let bytes: Int
    /// The texts ranked instead of the 243 captions, when given.
    let candidates: [String]?

    enum CodingKeys: String, CodingKey { case type, bytes, candidates }
}

/// `{"k": n, "queries": [{"query": "...", "results": [...]}, ...]}`.
struct BatchSearchResponse: Encodable {
    struct Entry: Encodable {
        let query: String
        let results: [SearchHit]
        /// As for a single query.
        var unknownWords: [String]? = nil

        enum CodingKeys: String, CodingKey { case query, results, unknownWords = "unknown_words" }
    }

    let k: Int
    let queries: [Entry]
}
