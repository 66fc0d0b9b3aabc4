import HTTPServer
import JSON

/// A strict JSON object body: `Content-Type: application/json`, well-formed, an object,
/// no fields beyond `allowed`, every field of the type asked for. Each refusal names the
/// field. A repeated field is read from its first occurrence.
struct JSONBody {
    let fields: JSONObject

    init(_ request: HTTPRequest, allowed: [String]) throws {
        guard let type = request.contentType else {
            throw APIError.unsupportedMediaType("The request has no Content-Type; send application/json.")
        }
        guard type == "application/json" else {
            throw APIError.unsupportedMediaType("Content-Type \(type) is not accepted here; send application/json.")
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(request.body)
        } catch let error as JSONParseError {
            throw APIError.badRequest("malformed_json", "The body is not valid JSON (malformed JSON: \(error)).")
        }
        guard case .object(let fields) = value else {
            throw APIError.badRequest("invalid_body", "The body must be a JSON object, got \(value.typeName).")
        }
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError.badRequest(
                "unknown_field",
                "Unknown field \"\(unknown)\"; this endpoint accepts \(allowed.map { "\"\($0)\"" }.joined(separator: ", "))."
            )
        }
        self.fields = fields
    }

    func has(_ name: String) -> Bool { fields[name] != nil }

    static func typeError(_ name: String, expected: String, got value: JSONValue) -> HTTPError {
        APIError.badRequest("invalid_field", "Field \"\(name)\" must be \(expected), got \(value.typeName).")
    }

    func string(_ name: String) throws -> String? {
        guard let value = fields[name] else { return nil }
        guard case .string(let text) = value else { throw Self.typeError(name, expected: "a string", got: value) }
        return text
    }

    func bool(_ name: String) throws -> Bool? {
        guard let value = fields[name] else { return nil }
        guard case .bool(let flag) = value else { throw Self.typeError(name, expected: "true or false", got: value) }
        return flag
    }

    func int(_ name: String) throws -> Int? {
        guard let value = fields[name] else { return nil }
        guard case .number(let number) = value, let whole = number.wholeValue else {
            throw Self.typeError(name, expected: "an integer", got: value)
        }
        return whole
    }

    /// A non-empty array of strings with at most `limit` entries.
    func strings(_ name: String, limit: Int) throws -> [String]? {
        guard let value = fields[name] else { return nil }
        guard case .array(let items) = value else {
            throw Self.typeError(name, expected: "an array of strings", got: value)
        }
        guard !items.isEmpty else {
            throw APIError.badRequest("invalid_field", "Field \"\(name)\" must hold at least one string.")
        }
        guard items.count <= limit else {
            throw APIError.badRequest(
                "too_many_items", "Field \"\(name)\" holds \(items.count) entries; at most \(limit) are accepted.")
        }
        return try items.enumerated().map { index, item in
            guard case .string(let text) = item else {
                throw Self.typeError("\(name)[\(index)]", expected: "a string", got: item)
            }
            return text
        }
    }
}
