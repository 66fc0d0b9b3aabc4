import Datasets
import HTTPServer
import NanoVLM

/// The gallery: `GET /v1/images` and `GET /v1/images/{id}.png`, for whatever dataset the
/// model serves. A generated set answers during start-up too (it is known before the model
/// is); a file dataset answers once the model is ready.
extension ServiceAPI {
    func gallery(_ request: HTTPRequest, _ parameters: RouteParameters) throws -> HTTPResponse {
        let (images, split) = try servedGallery()
        let dataset = images.dataset
        let paging = try GalleryPaging(request)
        // Version 1 clients read the shapes gallery as a bare array; every other dataset,
        // and any request that pages, gets the paged object.
        let paged = paging.given || !(dataset is ShapesDataset)
        let ids = paged ? paging.ids(of: dataset.count) : dataset.ids
        let entries = ids.map { id in
            GalleryEntry(
                id: id, caption: dataset.caption(of: id), captions: images.readsFiles ? dataset.captions(of: id) : nil,
                fields: dataset.fields(of: id), split: split.isValidation(id) ? "validation" : "train")
        }
        guard paged else { return try JSON.response(entries) }
        return try JSON.response(GalleryPage(total: dataset.count, offset: paging.offset, items: entries))
    }

    /// PNG bytes with an entity tag; `If-None-Match` gets 304.
    func galleryImage(_ request: HTTPRequest, _ parameters: RouteParameters) throws -> HTTPResponse {
        let text = parameters["id"] ?? ""
        let (images, _) = try servedGallery()
        guard !text.isEmpty, text.utf8.allSatisfy({ (48...57).contains($0) }), text.utf8.count <= 9,
            let id = Int(text), (0..<images.count).contains(id)
        else {
            throw APIError.notFound("No image with id \(text); ids run from 0 to \(images.count - 1).")
        }
        let image: GalleryPNG
        do {
            image = try images.png(id)
        } catch let error as GalleryImageUnavailable {
            state.logger.error("gallery image unavailable", metadata: ["id": "\(id)", "error": "\(error)"])
            throw HTTPError(
                500, code: "image_unavailable",
                message: "\(error). The dataset's files changed after the server opened them; restore the file, "
                    + "or train again on the dataset as it is now.")
        }
        // A generated set's pictures depend only on the id. A file dataset's depend on its
        // files, and a reload may serve another dataset under the same ids, so clients
        // revalidate (cheaply, by entity tag).
        let caching = images.readsFiles ? "no-cache" : "public, max-age=86400, immutable"
        let headers: [(name: String, value: String)] = [("Cache-Control", caching), ("ETag", image.etag)]
        if let match = request.header("if-none-match"),
            match.split(separator: ",").contains(where: {
                let tag = $0.trimmingCharacters(in: .whitespaces)
                return tag == "*" || tag == image.etag || tag == "W/" + image.etag
            })
        {
            return HTTPResponse(status: 304, headers: headers)
        }
        return HTTPResponse(status: 200, headers: [("Content-Type", "image/png")] + headers, body: image.bytes)
    }

    /// The gallery of the served model with its split; during start-up, the generated set
    /// start-up is going to serve, split with the configured seed.
    /// - Throws: 503 `not_ready` during start-up for a file dataset.
    private func servedGallery() throws -> (images: GalleryImages, split: Split) {
        if let model = state.model { return (model.gallery, model.split) }
        guard let startup = startupGallery else { throw state.notReadyError() }
        return (startup, startup.dataset.split(seed: state.configuration.training.seed))
    }
}

/// `offset` and `limit` of `GET /v1/images`.
struct GalleryPaging {
    static let defaultLimit = 100
    static let maxLimit = 1000
    /// Offsets past the end answer an empty page; this bounds what is parsed.
    static let maxOffset = Int(Int32.max)

    let offset: Int
    let limit: Int
    /// Whether the request named either parameter.
    let given: Bool

    init(_ request: HTTPRequest) throws {
        let offset = try Self.value(request, "offset", range: 0...Self.maxOffset)
        let limit = try Self.value(request, "limit", range: 1...Self.maxLimit)
        self.offset = offset ?? 0
        self.limit = limit ?? Self.defaultLimit
        given = offset != nil || limit != nil
    }

    /// The ids of the page among `count` items.
    func ids(of count: Int) -> Range<Int> {
        let start = min(offset, count)
        return start..<min(count, start + limit)
    }

    private static func value(_ request: HTTPRequest, _ name: String, range: ClosedRange<Int>) throws -> Int? {
        let values = request.queryValues(name)
        guard let text = values.first else { return nil }
        guard values.count == 1 else {
            throw APIError.badRequest(
                "invalid_parameter", "\(name) is given \(values.count) times; give it once.")
        }
        guard !text.isEmpty, text.utf8.count <= 10, text.utf8.allSatisfy({ (48...57).contains($0) }),
            let value = Int(text), range.contains(value)
        else {
            throw APIError.badRequest(
                "invalid_parameter",
                "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound) (got \"\(text.prefix(40))\")."
            )
        }
        return value
    }
}
