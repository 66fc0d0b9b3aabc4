import Datasets
import HTTPServer
import ImageIO
import NanoVLM

/// Image → text: `/v1/search/captions`, `/v1/classify`, `/v1/embed/image`.
extension ServiceAPI {
    /// Most free-text candidates ranked at once.
    static let maxCandidates = 256

    func searchCaptions(_ request: HTTPRequest, _ parameters: RouteParameters) throws -> HTTPResponse {
        let model = try state.requireModel()
        let upload = try ImageUpload(request, crop: model.uploadCrop)
        let k = try QueryInputs.k(
            request.queryValue("k") ?? upload.fields["k"]?.first, maxK: QueryInputs.maxK(model.index.captions.count))
        let candidates = request.queryValues("candidates") + (upload.fields["candidates"] ?? [])
        guard candidates.count <= Self.maxCandidates else {
            throw APIError.badRequest(
                "too_many_items",
                "candidates holds \(candidates.count) texts; at most \(Self.maxCandidates) are accepted.")
        }
        let index = model.index
        let results: [SearchHit]
        if candidates.isEmpty {
            // A hit is a distinct caption; it stands for the first image that carries it.
            let table = index.captions
            results = index.searchCaptions(image: upload.image, k: k).enumerated().map { rank, hit in
                let id = table.items[hit.index][0]
                return SearchHit(
                    rank: rank + 1, id: id, caption: table.texts[hit.index], score: hit.score,
                    probability: hit.probability, imageURL: Self.imageURL(id), explanation: nil,
                    fields: model.dataset.resultFields(of: id))
            }
        } else {
            let parsed = try candidates.enumerated().map {
                try QueryInputs.parse($1, field: "candidates[\($0)]", dataset: model.dataset)
            }
            results = index.rankCandidates(image: upload.image, candidates: parsed.map(\.tokens), k: k)
                .enumerated().map { rank, hit in
                    SearchHit(
                        rank: rank + 1, id: hit.index, caption: candidates[hit.index], score: hit.score,
                        probability: hit.probability, imageURL: nil, explanation: nil)
                }
        }
        let query = ImageQuery(
            type: "image/\(upload.format.rawValue)", bytes: upload.byteCount,
            candidates: candidates.isEmpty ? nil : candidates)
        return try JSON.response(SearchResponse(query: query, k: k, results: results))
    }

    func classify(_ request: HTTPRequest, _ parameters: RouteParameters) throws -> HTTPResponse {
        let model = try state.requireModel()
        if let reader = model.sceneReader {
            let reading = reader.read(image: try ImageUpload(request, crop: model.uploadCrop).image)
            return try JSON.response(SceneClassification(reading))
        }
        guard !model.dataset.attributes.isEmpty else {
            throw HTTPError(
                404, code: "no_attributes",
                message: "The served dataset \(model.dataset.name) has no attributes to classify; "
                    + "POST the image to /v1/search/captions to rank its captions instead.")
        }
        let upload = try ImageUpload(request, crop: model.uploadCrop)
        var body: [String: AttributeResponse] = [:]
        for attribute in model.index.classify(image: upload.image) {
            var probabilities: [String: Float] = [:]
            for (word, probability) in attribute.probabilities { probabilities[word] = probability }
            body[attribute.name] = AttributeResponse(
                label: attribute.label, probability: attribute.probability, probabilities: probabilities)
        }
        return try JSON.response(body)
    }

    func embedImage(_ request: HTTPRequest, _ parameters: RouteParameters) throws -> HTTPResponse {
        let model = try state.requireModel()
        let upload = try ImageUpload(request, crop: model.uploadCrop)
        return try JSON.response(
            EmbeddingResponse(dim: model.index.dim, embedding: model.index.embed(image: upload.image)))
    }

    func embedText(_ request: HTTPRequest, _ parameters: RouteParameters) throws -> HTTPResponse {
        let model = try state.requireModel()
        let body = try JSONBody(request, allowed: ["text", "texts"])
        let index = model.index
        switch (try body.string("text"), try body.strings("texts", limit: Self.maxCandidates)) {
        case (let text?, nil):
            let parsed = try QueryInputs.parse(text, field: "text", dataset: model.dataset)
            return try JSON.response(EmbeddingResponse(dim: index.dim, embedding: index.embed(text: parsed.tokens)))
        case (nil, let texts?):
            let parsed = try texts.enumerated().map {
                try QueryInputs.parse($1, field: "texts[\($0)]", dataset: model.dataset)
            }
            let flat = index.embed(texts: parsed.map(\.tokens))
            let d = index.dim
            let rows = (0..<parsed.count).map { Array(flat[($0 * d)..<(($0 + 1) * d)]) }
            return try JSON.response(EmbeddingsResponse(dim: d, embeddings: rows))
        case (nil, nil):
            throw APIError.badRequest(
                "missing_field",
                "The body needs \"text\" (one text) or \"texts\" (several), e.g. {\"text\": \"red circle\"}.")
        case (.some, .some):
            throw APIError.badRequest("conflicting_fields", "Send either \"text\" or \"texts\", not both.")
        }
    }
}

extension LoadedModel {
    /// A dataset read from files was trained on centre-cropped (or squashed) inputs, as its
    /// settings say; uploads are made the same way. Generated sets' uploads are squashed.
    var uploadCrop: ImageCrop {
        dataset.digest != nil && dataset.configuration.crop == "centre" ? .centre : .none
    }
}
