import Datasets
import Digest
import HTTPServer
import ImageIO
import NanoVLM

/// The gallery: `GET /v1/images` and `GET /v1/images/{id}.png`. Neither needs the model,
/// so both answer during start-up.
extension ServiceAPI {
    /// The default dataset's gallery as PNG with entity tags, encoded once on first use.
    private static let galleryPNGs = GalleryPNGs(DatasetRegistry.defaultDataset)

    func gallery(_ request: HTTPRequest, _ parameters: RouteParameters) throws -> HTTPResponse {
        let model = state.model
        let dataset = model?.dataset ?? DatasetRegistry.defaultDataset
        let split = model?.split ?? dataset.split(seed: state.configuration.training.seed)
        let entries = dataset.ids.map { id in
            GalleryEntry(
                id: id, caption: dataset.caption(of: id), fields: dataset.fields(of: id),
                split: split.isValidation(id) ? "validation" : "train")
        }
        return try JSON.response(entries)
    }

    /// PNG bytes, cacheable: they depend only on the id. `If-None-Match` gets 304.
    func galleryImage(_ request: HTTPRequest, _ parameters: RouteParameters) throws -> HTTPResponse {
        let text = parameters["id"] ?? ""
        let pngs = Self.galleryPNGs
        guard !text.isEmpty, text.utf8.allSatisfy({ (48...57).contains($0) }), text.utf8.count <= 9,
            let id = Int(text), pngs.images.indices.contains(id)
        else {
            throw APIError.notFound("No image with id \(text); ids run from 0 to \(pngs.images.count - 1).")
        }
        let image = pngs.images[id]
        guard !image.bytes.isEmpty else {
            throw HTTPError(500, code: "internal_error", message: "The image could not be encoded.")
        }
        let headers: [(name: String, value: String)] = [
            ("Cache-Control", "public, max-age=86400, immutable"), ("ETag", image.etag),
        ]
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
}

/// A dataset's gallery images as PNG bytes with their entity tags.
struct GalleryPNGs: Sendable {
    let images: [(bytes: [UInt8], etag: String)]

    init(_ dataset: any Dataset) {
        images = dataset.ids.map { id in
            let bytes = (try? PNGCodec.encode(dataset.galleryImage(id))) ?? []
            return (bytes, "\"" + String(SHA256.hex(bytes).prefix(32)) + "\"")
        }
    }
}
