/// A parsed JSON document that loses nothing a strict reader needs: objects keep their
/// key order and any repeated keys, numbers keep the literal as written (so integers stay
/// exact and `1`, `1.0` and `true` stay apart).
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// A whole number.
    public static func int(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }

    /// A finite number; `nil` for infinity or NaN, which JSON cannot hold.
    public static func double(_ value: Double) -> JSONValue? { JSONNumber(value).map { .number($0) } }

    /// "an object", "a string", "the number 1.5", ... for error messages that quote what
    /// was found.
    public var kindDescription: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number(let number): return "the number \(number.text)"
        case .bool(let value): return "\(value)"
        case .null: return "null"
        }
    }

    /// "integer", "number", "string", ... for error messages that name a type. A number
    /// is an "integer" when `JSONDecoder` would read it as an `Int` (see
    /// `JSONNumber.wholeValue`).
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number(let number): return number.wholeValue == nil ? "number" : "integer"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// The member named `key` when this is an object (the first one, if repeated).
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }
}

/// A JSON number as written in the document.
public struct JSONNumber: Hashable, Sendable, CustomStringConvertible {
    /// The literal, e.g. `-12`, `0.5`, `1e-7`.
    public let text: String

    /// The text must be a valid JSON number literal; the parser guarantees it.
    init(validLiteral text: String) { self.text = text }

    public init(_ value: Int) { text = String(value) }

    /// `nil` for infinity or NaN. The text is the shortest that reads back as `value`.
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        text = value.description
    }

    public var description: String { text }

    /// Whether the literal is written as an integer: no fraction, no exponent.
    public var isIntegerLiteral: Bool {
        !text.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }

    /// The value when the literal is an integer that fits in `Int`; exact, never rounded.
    public var integer: Int? { isIntegerLiteral ? Int(text) : nil }

    /// The value as a `Double`; `nil` when it is too large for one (`1e400`).
    public var double: Double? {
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    /// The value when it is a whole number in `Int`'s range however it is written (`5`,
    /// `5.0`, `5e0`), as `JSONDecoder` reads an `Int`: an integer literal exactly, anything
    /// else through `Double`.
    public var wholeValue: Int? {
        if isIntegerLiteral { return Int(text) }
        return Double(text).flatMap { Int(exactly: $0) }
    }
}

/// A JSON object: its members in document order, repeated keys included.
public struct JSONObject: Equatable, Sendable, RandomAccessCollection {
    public typealias Member = (key: String, value: JSONValue)

    public private(set) var members: [Member]

    public init(_ members: [Member] = []) { self.members = members }

    public var startIndex: Int { members.startIndex }
    public var endIndex: Int { members.endIndex }
    public subscript(position: Int) -> Member { members[position] }

    /// The keys in document order, repeats included.
    public var keys: [String] { members.map(\.key) }

    /// The first key that appears more than once, if any.
    public var firstRepeatedKey: String? {
        var seen = Set<String>()
        return members.first { !seen.insert($0.key).inserted }?.key
    }

    /// Reads the first member named `key`; writing replaces that member's value in place,
    /// or appends a member when there is none.
    public subscript(key: String) -> JSONValue? {
        get { members.first { $0.key == key }?.value }
        set {
            let index = members.firstIndex { $0.key == key }
            switch (index, newValue) {
            case (let index?, let value?): members[index].value = value
            case (let index?, nil): members.remove(at: index)
            case (nil, let value?): members.append((key, value))
            case (nil, nil): break
            }
        }
    }

    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.members.count == b.members.count
            && zip(a.members, b.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}
