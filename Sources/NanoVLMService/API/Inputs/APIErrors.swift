import Datasets
import HTTPServer
import ImageIO

/// The service's HTTP errors, one constructor per kind, so codes stay consistent.
enum APIError {
    static func badRequest(_ code: String, _ message: String) -> HTTPError {
        HTTPError(400, code: code, message: message)
    }

    static func notFound(_ message: String) -> HTTPError {
        HTTPError(404, code: "not_found", message: message)
    }

    static func unsupportedMediaType(_ message: String) -> HTTPError {
        HTTPError(415, code: "unsupported_media_type", message: message)
    }

    /// A query parser refusal; `field` (e.g. "queries[2]") prefixes the message when given.
    static func query(_ error: QueryError, field: String?) -> HTTPError {
        let code: String
        switch error.kind {
        case .empty: code = "empty_query"
        case .tooLong: code = "query_too_long"
        case .unknownWord: code = "unknown_word"
        case .noKnownWords: code = "no_known_words"
        case .tooManyWords: code = "too_many_words"
        }
        let prefix = field.map { "\($0): " } ?? ""
        return badRequest(code, prefix + error.description)
    }

    /// An image that could not be used: 415 not a PNG or JPEG, 413 too large, else 400.
    static func image(_ error: ImageError) -> HTTPError {
        switch error.kind {
        case .notAnImage: return HTTPError(415, code: "not_an_image", message: error.message)
        case .tooLarge: return HTTPError(413, code: "image_too_large", message: error.message)
        case .empty: return badRequest("empty_image", error.message)
        case .truncated: return badRequest("truncated_image", error.message)
        case .corrupt: return badRequest("corrupt_image", error.message)
        }
    }
}
