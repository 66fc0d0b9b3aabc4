import Datasets
import HTTPServer

/// Parameters shared by the search endpoints.
enum QueryInputs {
    static let defaultK = 5
    /// Most queries in one batch search.
    static let maxBatch = 64
    /// Most results one search returns, whatever the number of candidates.
    static let maxResults = 1000

    /// The largest `k` a search among `candidates` items takes.
    static func maxK(_ candidates: Int) -> Int { max(1, min(maxResults, candidates)) }

    /// `k` from a query string or form field: absent → 5, else an integer in 1…`maxK` (the
    /// number of candidates).
    static func k(_ text: String?, field: String = "k", maxK: Int) throws -> Int {
        guard let text else { return defaultK }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw kError(field, got: "\"\(text)\"", maxK: maxK)
        }
        return try k(value, field: field, maxK: maxK)
    }

    static func k(_ value: Int, field: String = "k", maxK: Int) throws -> Int {
        guard (1...maxK).contains(value) else { throw kError(field, got: String(value), maxK: maxK) }
        return value
    }

    static func kError(_ field: String, got: String, maxK: Int) -> HTTPError {
        APIError.badRequest("invalid_k", "\(field) must be an integer from 1 to \(maxK) (got \(got)).")
    }

    /// A boolean query parameter: absent → false; `true`, `1` or empty (`?explain`) → true.
    static func flag(_ text: String?, name: String) throws -> Bool {
        guard let text else { return false }
        switch text.lowercased() {
        case "", "true", "1", "yes": return true
        case "false", "0", "no": return false
        default:
            throw APIError.badRequest("invalid_parameter", "\(name) must be true or false (got \"\(text)\").")
        }
    }

    /// The words a query had that the vocabulary does not know, for `unknown_words`; nil
    /// when there were none, so the field is absent.
    static func unknownWords(_ query: ParsedQuery) -> [String]? {
        query.unknownWords.isEmpty ? nil : query.unknownWords
    }

    /// Parses a text query; errors name `field` when it is not the only query.
    static func parse(_ text: String, field: String?, dataset: any Dataset) throws -> ParsedQuery {
        do {
            return try dataset.parse(query: text)
        } catch let error as QueryError {
            throw APIError.query(error, field: field)
        }
    }
}
