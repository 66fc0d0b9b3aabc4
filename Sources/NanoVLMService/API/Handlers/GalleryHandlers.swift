import HTTPServer
import ImageIO
import NanoVLM
import ShapesData

/// The gallery: `GET /v1/images` and `GET /v1/images/{id}.png`. Neither needs the model,
/// so both answer during start-up.
extension ServiceAPI {
    /// The canonical renders as PNG with their entity tags, encoded once on first use.
    private static let galleryPNGs: [(bytes: [UInt8], etag: String)] = (0..<Dataset.count).map { id in
        let bytes = (try? PNGCodec.encode(Renderer.canonical(id))) ?? []
        return (bytes, "\"" + String(SHA256.hex(bytes).prefix(32)) + "\"")
    }

    func gallery(_ request: HTTPRequest, _ parameters: RouteParameters) throws -> HTTPResponse {
        let split = state.model?.split ?? Dataset.split(seed: state.configuration.training.seed)
        let entries = Dataset.pairs.map { pair in
            GalleryEntry(
                id: pair.id, caption: pair.caption, colour: pair.colour.name, shape: pair.shape.name,
                position: pair.position.name, split: split.isValidation(pair.id) ? "validation" : "train")
        }
        return try JSON.response(entries)
    }

    /// PNG bytes, cacheable: they depend only on the id. `If-None-Match` gets 304.
    func galleryImage(_ request: HTTPRequest, _ parameters: RouteParameters) throws -> HTTPResponse {
        let text = parameters["id"] ?? ""
        guard !text.isEmpty, text.utf8.allSatisfy({ (48...57).contains($0) }), text.utf8.count <= 4,
            let id = Int(text), (0..<Dataset.count).contains(id)
        else {
            throw APIError.notFound("No image with id \(text); ids run from 0 to \(Dataset.count - 1).")
        }
        let image = Self.galleryPNGs[id]
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
