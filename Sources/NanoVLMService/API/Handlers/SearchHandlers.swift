import Datasets
import HTTPServer
import NanoVLM

/// Text → image: `GET` and `POST /v1/search/images`.
extension ServiceAPI {
    func searchImagesGET(_ request: HTTPRequest, _ parameters: RouteParameters) throws -> HTTPResponse {
        let model = try state.requireModel()
        guard let text = request.queryValue("q") else {
            throw APIError.badRequest(
                "missing_parameter", "The query parameter q is required, e.g. ?q=pink+circle+top.")
        }
        let k = try QueryInputs.k(request.queryValue("k"), maxK: QueryInputs.maxK(model.index.count))
        let explain = try QueryInputs.flag(request.queryValue("explain"), name: "explain")
        if explain { try Self.requireExactExplanations(model) }
        return try searchResponse(model, text, field: nil, k: k, explain: explain)
    }

    func searchImagesPOST(_ request: HTTPRequest, _ parameters: RouteParameters) throws -> HTTPResponse {
        let model = try state.requireModel()
        let body = try JSONBody(request, allowed: ["q", "queries", "k", "explain"])
        let k =
            try body.int("k").map { try QueryInputs.k($0, maxK: QueryInputs.maxK(model.index.count)) }
            ?? QueryInputs.defaultK
        let explain = try body.bool("explain") ?? false
        if explain { try Self.requireExactExplanations(model) }
        switch (try body.string("q"), try body.strings("queries", limit: QueryInputs.maxBatch)) {
        case (let text?, nil):
            return try searchResponse(model, text, field: "q", k: k, explain: explain)
        case (nil, let texts?):
            let parsed = try texts.enumerated().map {
                try QueryInputs.parse($1, field: "queries[\($0)]", dataset: model.dataset)
            }
            let entries = zip(texts, parsed).map { text, query in
                BatchSearchResponse.Entry(
                    query: text, results: rankImages(model, query, k: k, explain: explain),
                    unknownWords: QueryInputs.unknownWords(query))
            }
            return try JSON.response(BatchSearchResponse(k: k, queries: entries))
        case (nil, nil):
            throw APIError.badRequest(
                "missing_field",
                "The body needs \"q\" (one query) or \"queries\" (a batch), e.g. {\"q\": \"pink circle top\"}.")
        case (.some, .some):
            throw APIError.badRequest("conflicting_fields", "Send either \"q\" or \"queries\", not both.")
        }
    }

    /// One text → image search, from the model's cache when it was asked before. The body
    /// is a function of the text as sent (echoed, and the source of `unknown_words`), k and
    /// explain, for one model; the cache belongs to the model, so that is its key.
    private func searchResponse(
        _ model: LoadedModel, _ text: String, field: String?, k: Int, explain: Bool
    ) throws -> HTTPResponse {
        try model.searchCache.response(for: .init(query: text, k: k, explain: explain)) {
            let parsed = try QueryInputs.parse(text, field: field, dataset: model.dataset)
            return try JSON.response(
                SearchResponse(
                    query: text, k: k, results: rankImages(model, parsed, k: k, explain: explain),
                    unknownWords: QueryInputs.unknownWords(parsed)))
        }
    }

    /// The top `k` gallery images for a parsed query, optionally with explanations.
    func rankImages(_ model: LoadedModel, _ query: ParsedQuery, k: Int, explain: Bool) -> [SearchHit] {
        let index = model.index
        return index.searchImages(tokens: query.tokens, k: k).enumerated().map { rank, hit in
            var explanation: Explanation?
            if explain, let parts = index.explain(tokens: query.tokens, imageID: hit.index) {
                explanation = Explanation(
                    words: zip(query.words, parts.words).map { Explanation.Word(word: $0, contribution: $1) },
                    bias: parts.bias)
            }
            return SearchHit(
                rank: rank + 1, id: hit.index, caption: index.dataset.caption(of: hit.index), score: hit.score,
                probability: hit.probability, imageURL: Self.imageURL(hit.index), explanation: explanation,
                fields: index.dataset.resultFields(of: hit.index))
        }
    }

    /// Explanations are exact only for the mean text encoder (a sum over words); for any
    /// other the request is a 400 that says so rather than an invented decomposition.
    static func requireExactExplanations(_ model: LoadedModel) throws {
        guard !model.index.canExplain else { return }
        throw APIError.badRequest(
            "explain_unavailable",
            "explain=true is exact only for the mean text encoder, where a score is a sum of one term per word; "
                + "this model uses the \(model.index.model.config.textEncoder) text encoder, whose words interact, "
                + "so there is no exact per-word decomposition. Ask again without explain.")
    }

    static func imageURL(_ id: Int) -> String { "/v1/images/\(id).png" }
}
