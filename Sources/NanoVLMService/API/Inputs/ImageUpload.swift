import HTTPServer
import ImageIO

/// An uploaded image, from a raw `image/png` body or a `multipart/form-data` file part,
/// decoded and area-averaged to the model's 32×32 input.
struct ImageUpload {
    let image: RGBImage
    /// Size of the PNG as uploaded.
    let byteCount: Int
    /// The multipart form's text fields (empty for a raw body), by name, in order.
    let fields: [String: [String]]

    /// Names a multipart file part may carry; otherwise the first part with a file name.
    static let fileFieldNames = ["image", "file"]

    init(_ request: HTTPRequest) throws {
        guard let type = request.contentType else {
            throw APIError.unsupportedMediaType(
                "The request has no Content-Type; send a PNG as image/png or as a multipart/form-data file field named image."
            )
        }
        let png: [UInt8]
        var fields: [String: [String]] = [:]
        switch type {
        case "image/png":
            png = request.body
        case "multipart/form-data":
            let parts = try MultipartFormData.parse(
                body: request.body, contentType: request.header("content-type") ?? type)
            let file =
                parts.first { Self.fileFieldNames.contains($0.name) && $0.filename != nil }
                ?? parts.first { Self.fileFieldNames.contains($0.name) }
                ?? parts.first { $0.filename != nil }
            guard let file else {
                throw APIError.badRequest(
                    "missing_image",
                    "The form has no image: send the PNG as a file field named image (curl -F image=@x.png).")
            }
            if let partType = file.contentType, partType != "image/png", partType != "application/octet-stream" {
                throw APIError.unsupportedMediaType(
                    "The form's \(file.name) part has Content-Type \(partType); send a PNG (image/png).")
            }
            png = file.data
            for part in parts where part.filename == nil && !Self.fileFieldNames.contains(part.name) {
                fields[part.name, default: []].append(part.text)
            }
        default:
            throw APIError.unsupportedMediaType(
                "Content-Type \(type) is not accepted here; send image/png or multipart/form-data.")
        }
        do {
            image = try PNGCodec.decodeForModel(png)
        } catch let error as PNGError {
            throw APIError.image(error)
        }
        byteCount = png.count
        self.fields = fields
    }
}
