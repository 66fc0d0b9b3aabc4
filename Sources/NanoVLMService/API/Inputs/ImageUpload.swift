import HTTPServer
import ImageIO

/// An uploaded image, from a raw `image/png` or `image/jpeg` body or a `multipart/form-data`
/// file part, decoded and area-averaged to the model's 32×32 input.
struct ImageUpload {
    let image: RGBImage
    /// What the bytes are (their signature decides, not the declared type).
    let format: ImageFormat
    /// Size of the image as uploaded.
    let byteCount: Int
    /// The multipart form's text fields (empty for a raw body), by name, in order.
    let fields: [String: [String]]

    /// Names a multipart file part may carry; otherwise the first part with a file name.
    static let fileFieldNames = ["image", "file"]
    /// Content types of a raw body, or of the file part of a form.
    static let imageTypes = ["image/png", "image/jpeg"]
    /// The largest width and height of an upload.
    static let maxDimension = 4096

    /// `crop`: how the served dataset made its model inputs (uploads of a generated set are
    /// squashed, so the model sees all of what the caller sent).
    init(_ request: HTTPRequest, crop: ImageCrop = .none) throws {
        guard let type = request.contentType else {
            throw APIError.unsupportedMediaType(
                "The request has no Content-Type; send a PNG or JPEG as image/png or image/jpeg, or as a multipart/form-data file field named image."
            )
        }
        let bytes: [UInt8]
        var fields: [String: [String]] = [:]
        switch type {
        case _ where Self.imageTypes.contains(type):
            bytes = request.body
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
                    "The form has no image: send the PNG or JPEG as a file field named image (curl -F image=@x.png).")
            }
            if let partType = file.contentType, !Self.imageTypes.contains(partType),
                partType != "application/octet-stream"
            {
                throw APIError.unsupportedMediaType(
                    "The form's \(file.name) part has Content-Type \(partType); send a PNG (image/png) or JPEG (image/jpeg)."
                )
            }
            bytes = file.data
            for part in parts where part.filename == nil && !Self.fileFieldNames.contains(part.name) {
                fields[part.name, default: []].append(part.text)
            }
        default:
            throw APIError.unsupportedMediaType(
                "Content-Type \(type) is not accepted here; send image/png, image/jpeg or multipart/form-data.")
        }
        do {
            image = try ImageDecoding.decodeForModel(bytes, side: 32, crop: crop, maxDimension: Self.maxDimension)
        } catch let error as ImageError {
            throw APIError.image(error)
        }
        format = ImageDecoding.format(of: bytes) ?? .png
        byteCount = bytes.count
        self.fields = fields
    }
}
