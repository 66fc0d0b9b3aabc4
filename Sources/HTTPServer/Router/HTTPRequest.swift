/// A fully received request, independent of the server that read it, so the
/// router and handlers can be tested in-process.
public struct HTTPRequest: Sendable {
    /// The method as sent, e.g. `"GET"`.
    public let method: String
    /// The percent-decoded path without the query, e.g. `"/v1/images/17.png"`.
    public let path: String
    /// The query parameters in order, percent-decoded with `+` read as a space.
    /// A name without `=` (`?verbose`) has the empty value.
    public let query: [(name: String, value: String)]
    /// The header fields in the order received, names lowercased, a repeated header once
    /// per line. A list, not a dictionary: requests carry a handful of headers and
    /// handlers ask for one or two, so a scan is cheaper than hashing every name.
    public let headerFields: [(name: String, value: String)]
    public let body: [UInt8]

    public init(
        method: String, path: String, query: [(name: String, value: String)] = [],
        headers: [String: String] = [:], body: [UInt8] = []
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headerFields = headers.map { (name: $0.key.asciiLowercased, value: $0.value) }
        self.body = body
    }

    /// For the server, whose header names arrive lowercased already.
    init(method: String, target: String, lowercasedHeaderFields: [(name: String, value: String)], body: [UInt8]) {
        let parsed = RequestTarget.parse(target)
        self.method = method
        self.path = parsed.path
        self.query = parsed.query
        self.headerFields = lowercasedHeaderFields
        self.body = body
    }

    /// Builds a request from a raw request target such as `"/v1/search?q=red+circle&k=3"`,
    /// parsed exactly as the live server parses it.
    public init(method: String, target: String, headers: [String: String] = [:], body: [UInt8] = []) {
        let parsed = RequestTarget.parse(target)
        self.init(method: method, path: parsed.path, query: parsed.query, headers: headers, body: body)
    }

    /// The first value of the query parameter `name`.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    /// Every value of the query parameter `name`, in order.
    public func queryValues(_ name: String) -> [String] {
        query.filter { $0.name == name }.map(\.value)
    }

    /// The header's value; the name is case-insensitive and a repeated header's values
    /// are joined with ", ".
    public func header(_ name: String) -> String? {
        Self.value(of: name.asciiLowercased, in: headerFields)
    }

    /// The values of the lowercased header `name` in `fields`, joined with ", "; nil when absent.
    static func value(of name: String, in fields: [(name: String, value: String)]) -> String? {
        var found: String?
        for field in fields where field.name == name {
            found = found.map { $0 + ", " + field.value } ?? field.value
        }
        return found
    }

    /// Every header by lowercased name, repeated headers joined with ", ".
    public var headers: [String: String] {
        var joined: [String: String] = [:]
        for field in headerFields {
            joined[field.name] = joined[field.name].map { $0 + ", " + field.value } ?? field.value
        }
        return joined
    }

    /// The media type of `Content-Type`, lowercased, without parameters.
    public var contentType: String? {
        guard let value = header("content-type") else { return nil }
        return MediaType.essence(of: value)
    }
}

enum MediaType {
    /// `"Multipart/Form-Data; boundary=x"` → `"multipart/form-data"`; nil when empty.
    static func essence(of value: String) -> String? {
        let type = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let trimmed = type.trimmingWhitespace().asciiLowercased
        return trimmed.isEmpty ? nil : trimmed
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}

/// Splitting and decoding of a request target (`origin-form`, or `absolute-form`
/// whose scheme and authority are dropped).
///
/// Invalid percent escapes (`%zz`, a trailing `%`) are kept literally rather than
/// rejected: the bytes are still meaningful to a handler, and a 400 here would refuse
/// requests that a forgiving query parser (docs/API.md) can still answer. Bytes that do
/// not form UTF-8 after decoding become U+FFFD.
enum RequestTarget {
    static func parse(_ target: String) -> (path: String, query: [(name: String, value: String)]) {
        var target = target
        return target.withUTF8 { parse($0[...]) }
    }

    private typealias Bytes = Slice<UnsafeBufferPointer<UInt8>>

    private static func parse(_ whole: Bytes) -> (path: String, query: [(name: String, value: String)]) {
        var bytes = whole[..<(whole.firstIndex(of: UInt8(ascii: "#")) ?? whole.endIndex)]
        if bytes.first != UInt8(ascii: "/"), let schemeEnd = find(Array("://".utf8), in: bytes) {
            let afterAuthority = bytes[(schemeEnd + 3)...].firstIndex(of: UInt8(ascii: "/"))
            guard let afterAuthority else { return ("/", []) }
            bytes = bytes[afterAuthority...]
        }
        guard let questionMark = bytes.firstIndex(of: UInt8(ascii: "?")) else {
            return (decode(bytes, plusIsSpace: false), [])
        }
        return (decode(bytes[..<questionMark], plusIsSpace: false), parseQuery(bytes[(questionMark + 1)...]))
    }

    /// `application/x-www-form-urlencoded` pairs, in order; empty pieces are skipped.
    private static func parseQuery(_ bytes: Bytes) -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        for piece in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            if let equals = piece.firstIndex(of: UInt8(ascii: "=")) {
                result.append(
                    (
                        decode(piece[..<equals], plusIsSpace: true),
                        decode(piece[(equals + 1)...], plusIsSpace: true)
                    ))
            } else {
                result.append((decode(piece, plusIsSpace: true), ""))
            }
        }
        return result
    }

    /// Percent-decodes straight into the string's storage; invalid UTF-8 is repaired to U+FFFD
    /// by the initializer.
    private static func decode(_ bytes: Bytes, plusIsSpace: Bool) -> String {
        guard bytes.contains(where: { $0 == UInt8(ascii: "%") || (plusIsSpace && $0 == UInt8(ascii: "+")) }) else {
            return String(decoding: UnsafeBufferPointer(rebasing: bytes), as: UTF8.self)
        }
        return String(unsafeUninitializedCapacity: bytes.count) { output in
            var count = 0
            var index = bytes.startIndex
            while index < bytes.endIndex {
                let byte = bytes[index]
                if byte == UInt8(ascii: "%"), index + 2 < bytes.endIndex,
                    let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
                {
                    output[count] = high << 4 | low
                    index += 3
                } else {
                    output[count] = plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte
                    index += 1
                }
                count += 1
            }
            return count
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private static func find(_ needle: [UInt8], in haystack: Bytes) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for start in haystack.startIndex...(haystack.endIndex - needle.count)
        where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}
