/// `POST /v1/caption`'s body: the best caption, and every alternative asked for (the best first).
struct CaptionResponse: Encodable {
    struct Alternative: Encodable {
        let caption: String
        let logProbability: Float
        enum CodingKeys: String, CodingKey { case caption, logProbability = "log_probability" }
    }
    let caption: String
    let logProbability: Float
    let alternatives: [Alternative]
    let beam: Int
    let maxWords: Int
    let query: ImageQuery
    enum CodingKeys: String, CodingKey {
        case caption, logProbability = "log_probability", alternatives, beam, maxWords = "max_words", query
    }
}
