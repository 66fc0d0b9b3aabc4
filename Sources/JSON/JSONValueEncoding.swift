/// A coding key made from any string, for bodies whose member names are data (a dataset's
/// own fields) rather than a fixed list.
public struct JSONKey: CodingKey {
    public let stringValue: String
    public init(_ name: String) { stringValue = name }
    public init?(stringValue: String) { self.stringValue = stringValue }
    public var intValue: Int? { nil }
    public init?(intValue: Int) { nil }
}

/// A parsed or built value written through any `Encoder`, so it can sit inside `Encodable`
/// response bodies: whole numbers as integers, other numbers as doubles.
extension JSONValue: Encodable {
    public func encode(to encoder: Encoder) throws {
        switch self {
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .bool(let value):
            var c = encoder.singleValueContainer()
            try c.encode(value)
        case .number(let number):
            var c = encoder.singleValueContainer()
            if let whole = number.wholeValue { try c.encode(whole) } else { try c.encode(number.double ?? 0) }
        case .string(let text):
            var c = encoder.singleValueContainer()
            try c.encode(text)
        case .array(let elements):
            var c = encoder.unkeyedContainer()
            for element in elements { try c.encode(element) }
        case .object(let object):
            var c = encoder.container(keyedBy: JSONKey.self)
            for member in object { try c.encode(member.value, forKey: JSONKey(member.key)) }
        }
    }
}
