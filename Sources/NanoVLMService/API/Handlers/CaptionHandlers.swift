import HTTPServer
import NanoVLM

/// Image → written text: `POST /v1/caption`.
extension ServiceAPI {
    static let defaultBeam = 3
    static let defaultMaxWords = 8

    func caption(_ request: HTTPRequest, _ parameters: RouteParameters) throws -> HTTPResponse {
        let model = try state.requireModel()
        let network = model.index.model
        guard network.hasCaptionDecoder else {
            throw HTTPError(
                404, code: "no_decoder",
                message: "The served weights have no caption decoder; train weights with one "
                    + "(model.caption.enabled, the default) to write captions, or POST the image to "
                    + "/v1/search/captions to rank the gallery's captions instead.")
        }
        // The query string's settings are checked before the body is decoded; a form's after.
        func setting(_ name: String, _ upload: ImageUpload?) -> String? {
            request.queryValue(name) ?? upload?.fields[name]?.first
        }
        let maxWordsLimit = network.maxCaptionWords
        _ = try CaptionInputs.integer(setting("beam", nil), name: "beam", range: 1...CaptionInputs.maxBeam)
        _ = try CaptionInputs.integer(setting("max_words", nil), name: "max_words", range: 1...maxWordsLimit)
        let upload = try ImageUpload(request, crop: model.uploadCrop)
        let beam =
            try CaptionInputs.integer(setting("beam", upload), name: "beam", range: 1...CaptionInputs.maxBeam)
            ?? Self.defaultBeam
        let n =
            try CaptionInputs.integer(setting("n", upload), name: "n", range: 1...beam, bound: "beam = \(beam)") ?? 1
        let maxWords =
            try CaptionInputs.integer(setting("max_words", upload), name: "max_words", range: 1...maxWordsLimit)
            ?? min(Self.defaultMaxWords, maxWordsLimit)
        let written = network.caption(image: upload.image, beam: beam, count: n, maxWords: maxWords) ?? []
        let vocabulary = model.dataset.vocabulary
        let alternatives = written.map {
            CaptionResponse.Alternative(caption: vocabulary.text($0.tokens), logProbability: $0.logProbability)
        }
        guard let best = alternatives.first else {
            throw HTTPError(500, code: "internal_error", message: "The decoder wrote no caption.")
        }
        return try JSON.response(
            CaptionResponse(
                caption: best.caption, logProbability: best.logProbability, alternatives: alternatives,
                beam: beam, maxWords: maxWords,
                query: ImageQuery(type: "image/\(upload.format.rawValue)", bytes: upload.byteCount, candidates: nil)))
    }
}
