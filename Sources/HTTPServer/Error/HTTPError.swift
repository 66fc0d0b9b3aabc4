/// An error that carries its HTTP status. Handlers throw it; the router turns it
/// into the JSON error body of docs/API.md: `{"error": {"code": "...", "message": "..."}}`.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public let status: Int
    /// A short machine-readable code such as `not_found` or `bad_multipart`.
    public let code: String
    /// A human sentence saying what was wrong.
    public let message: String
    /// Extra response headers, e.g. `Allow` for 405 or `WWW-Authenticate` for 401.
    public var headers: [(name: String, value: String)]

    /// - Parameters:
    ///   - status: the HTTP status code.
    ///   - code: the machine-readable error code.
    ///   - message: the human-readable explanation.
    ///   - headers: extra headers for the response.
    public init(
        _ status: Int, code: String, message: String,
        headers: [(name: String, value: String)] = []
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    /// The JSON error response.
    public var response: HTTPResponse {
        var body = "{\"error\":{\"code\":"
        JSONText.appendString(code, to: &body)
        body += ",\"message\":"
        JSONText.appendString(message, to: &body)
        body += "}}"
        var response = HTTPResponse.json([UInt8](body.utf8), status: status)
        response.headers.append(contentsOf: headers)
        return response
    }

    public var description: String { "HTTP \(status) \(code): \(message)" }
}

extension HTTPError {
    static func notFound(_ message: String) -> HTTPError {
        HTTPError(404, code: "not_found", message: message)
    }

    static func payloadTooLarge(limit: Int) -> HTTPError {
        HTTPError(
            413, code: "payload_too_large",
            message: "The request body is larger than the limit of \(limit) bytes.")
    }

    static let internalError = HTTPError(
        500, code: "internal_error", message: "The server failed to handle the request.")
}

/// Minimal JSON writing for the few bodies the HTTP layer builds itself.
enum JSONText {
    /// Appends `value` as a quoted JSON string (RFC 8259 escaping).
    static func appendString(_ value: String, to output: inout String) {
        output.append("\"")
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output.append("\\\"")
            case "\\": output.append("\\\\")
            case "\n": output.append("\\n")
            case "\r": output.append("\\r")
            case "\t": output.append("\\t")
            case "\u{08}": output.append("\\b")
            case "\u{0C}": output.append("\\f")
            default:
                if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    let hex = String(scalar.value, radix: 16)
                    output.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output.append("\"")
    }
}
