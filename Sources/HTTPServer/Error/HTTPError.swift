import JSON

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
        // U+2028 and U+2029 escaped too: the message may quote the request, and the body
        // may end up in a JavaScript string literal, where older parsers refuse them raw.
        var body = Array(#"{"error":{"code":"#.utf8)
        JSONString.append(code, to: &body, escapingLineSeparators: true)
        body += Array(#","message":"#.utf8)
        JSONString.append(message, to: &body, escapingLineSeparators: true)
        body += Array("}}".utf8)
        var response = HTTPResponse.json(body, status: status)
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
