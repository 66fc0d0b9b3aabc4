// libFuzzer target: the multipart/form-data parser. The input's first line (up to 200
// bytes) is the Content-Type header value, the rest is the body.
@testable import HTTPServer

func fuzzMultipart(_ bytes: [UInt8]) {
    var contentType = "multipart/form-data; boundary=XyZ"
    var body = bytes
    if let newline = bytes.prefix(200).firstIndex(of: 10) {
        contentType = String(decoding: bytes[..<newline], as: UTF8.self)
        body = Array(bytes[(newline + 1)...])
    }
    do {
        let parts = try MultipartFormData.parse(body: body, contentType: contentType)
        guard !parts.isEmpty else { fatalError("an accepted form with no parts") }
        var total = 0
        for part in parts {
            total += part.data.count
            _ = part.text
        }
        guard total <= body.count else { fatalError("parts hold \(total) bytes of a \(body.count)-byte body") }
    } catch let error as HTTPError {
        guard error.status == 400, error.code == "bad_multipart" else { fatalError("unexpected refusal \(error)") }
    } catch {
        fatalError("unexpected error type: \(error)")
    }
    _ = HeaderValue.parse(contentType)
}
