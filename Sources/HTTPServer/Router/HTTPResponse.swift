import Foundation
import JSON

/// A complete response: status, headers in order, and the body bytes.
/// `Content-Length` is added by the server; do not set it here.
public struct HTTPResponse: Sendable {
    // Changing any part of the response drops the prepared copy, which would no longer match.
    public var status: Int { didSet { prepared = nil } }
    public var headers: [(name: String, value: String)] { didSet { prepared = nil } }
    public var body: [UInt8] { didSet { prepared = nil } }
    /// The prepared copy this response is answered through, if it came from one.
    public internal(set) var prepared: PreparedResponse?

    public init(status: Int = 200, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of a header (case-insensitive name).
    public func header(_ name: String) -> String? {
        let wanted = name.asciiLowercased
        return headers.first { $0.name.asciiLowercased == wanted }?.value
    }

    private static let jsonHeaders = [(name: "Content-Type", value: "application/json")]

    /// Already-encoded JSON bytes with `Content-Type: application/json`.
    public static func json(_ body: [UInt8], status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: jsonHeaders, body: body)
    }

    /// A text body, UTF-8 encoded.
    public static func text(
        _ text: String, contentType: String = "text/plain; charset=utf-8", status: Int = 200
    ) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8))
    }
}
