/// One part of a `multipart/form-data` body.
public struct MultipartPart: Sendable {
    /// The `name` parameter of `Content-Disposition`.
    public let name: String
    /// The file name (`filename*` wins over `filename`), or nil for a plain field.
    public let filename: String?
    /// The part's media type, lowercased without parameters (like `HTTPRequest.contentType`).
    public let contentType: String?
    public let data: [UInt8]

    public init(name: String, filename: String?, contentType: String?, data: [UInt8]) {
        self.name = name
        self.filename = filename
        self.contentType = contentType
        self.data = data
    }

    /// The data as UTF-8 text (invalid sequences become U+FFFD).
    public var text: String { String(decoding: data, as: UTF8.self) }
}

/// A strict RFC 7578 / RFC 2046 `multipart/form-data` parser over a complete body.
public enum MultipartFormData {
    /// RFC 2046 caps boundaries at 70 characters.
    static let maxBoundaryLength = 70
    static let maxParts = 1000
    static let maxHeaderBytes = 16 * 1024

    /// Parses a `multipart/form-data` body.
    /// - Parameters:
    ///   - body: the whole request body.
    ///   - contentType: the full `Content-Type` header value, with its `boundary` parameter.
    /// - Throws: `HTTPError` 400 `bad_multipart` naming what is wrong.
    public static func parse(body: [UInt8], contentType: String) throws -> [MultipartPart] {
        let boundary = try boundary(from: contentType)
        return try body.withUnsafeBufferPointer { buffer in
            try Parser(body: buffer, boundary: Array(boundary.utf8)).parse()
        }
    }

    static func failure(_ message: String) -> HTTPError {
        HTTPError(400, code: "bad_multipart", message: message)
    }

    static func boundary(from contentType: String) throws -> String {
        let (type, parameters) = HeaderValue.parse(contentType)
        guard type.hasPrefix("multipart/") else {
            throw failure("Expected a multipart/form-data body, got Content-Type \"\(type)\".")
        }
        guard let boundary = parameters.first(where: { $0.name == "boundary" })?.value else {
            throw failure("The multipart Content-Type has no boundary parameter.")
        }
        guard !boundary.isEmpty else {
            throw failure("The multipart boundary is empty.")
        }
        guard boundary.utf8.count <= maxBoundaryLength else {
            throw failure("The multipart boundary is longer than \(maxBoundaryLength) characters.")
        }
        return boundary
    }

    private struct Parser {
        let body: UnsafeBufferPointer<UInt8>
        /// `--boundary`
        let delimiter: [UInt8]

        init(body: UnsafeBufferPointer<UInt8>, boundary: [UInt8]) {
            self.body = body
            self.delimiter = Array("--".utf8) + boundary
        }

        func parse() throws -> [MultipartPart] {
            // The first delimiter starts the body or follows a CRLF ending the preamble.
            guard var position = firstDelimiter() else {
                throw failure("The body does not contain the boundary given in Content-Type.")
            }
            var parts: [MultipartPart] = []
            while true {
                position += delimiter.count
                if starts(with: "--", at: position) {
                    break  // close delimiter; anything after it is epilogue
                }
                position = try endOfDelimiterLine(at: position)
                guard parts.count < maxParts else {
                    throw failure("The body has more than \(maxParts) parts.")
                }
                let (headers, contentStart) = try readHeaders(at: position, partNumber: parts.count + 1)
                guard let next = find(crlfDelimiterFrom: contentStart) else {
                    throw failure(
                        "Part \(parts.count + 1) is not followed by a boundary: the body is truncated or misses its closing boundary."
                    )
                }
                parts.append(
                    try makePart(headers: headers, data: Array(body[contentStart..<next]), number: parts.count + 1))
                position = next + 2
            }
            guard !parts.isEmpty else {
                throw failure("The multipart body has no parts.")
            }
            return parts
        }

        private func firstDelimiter() -> Int? {
            if starts(with: delimiter, at: 0) { return 0 }
            return find(crlfDelimiterFrom: 0).map { $0 + 2 }
        }

        /// After a delimiter: optional transport padding (spaces, tabs) and CRLF.
        private func endOfDelimiterLine(at start: Int) throws -> Int {
            var index = start
            while index < body.count, body[index] == UInt8(ascii: " ") || body[index] == UInt8(ascii: "\t") {
                index += 1
            }
            if index >= body.count {
                throw failure("The body ends right after a boundary, without the closing \"--\".")
            }
            guard starts(with: "\r\n", at: index) else {
                throw failure("A boundary line is not terminated by CRLF.")
            }
            return index + 2
        }

        /// Index of the next CRLF + delimiter that really is a boundary line (followed by
        /// `--`, padding or CRLF); a longer string that merely starts with it is data.
        private func find(crlfDelimiterFrom start: Int) -> Int? {
            let needleCount = delimiter.count + 2
            var index = start
            while index + needleCount <= body.count {
                if body[index] == 13, body[index + 1] == 10, starts(with: delimiter, at: index + 2) {
                    let after = index + needleCount
                    if after == body.count || starts(with: "--", at: after) || starts(with: "\r\n", at: after)
                        || body[after] == UInt8(ascii: " ") || body[after] == UInt8(ascii: "\t")
                    {
                        return index
                    }
                }
                index += 1
            }
            return nil
        }

        private func readHeaders(at start: Int, partNumber: Int) throws -> (
            headers: [(String, String)], contentStart: Int
        ) {
            var headers: [(String, String)] = []
            var lineStart = start
            while true {
                guard let lineEnd = find(crlfFrom: lineStart) else {
                    throw failure("The headers of part \(partNumber) are not terminated by an empty line.")
                }
                if lineEnd - start > maxHeaderBytes {
                    throw failure("The headers of part \(partNumber) are longer than \(maxHeaderBytes) bytes.")
                }
                if lineEnd == lineStart {
                    return (headers, lineEnd + 2)
                }
                let line = String(decoding: body[lineStart..<lineEnd], as: UTF8.self)
                if line.first == " " || line.first == "\t" {
                    // Obsolete line folding: continue the previous header.
                    guard let last = headers.popLast() else {
                        throw failure("Part \(partNumber) starts its headers with a continuation line.")
                    }
                    headers.append((last.0, last.1 + " " + line.trimmingWhitespace()))
                } else {
                    guard let colon = line.firstIndex(of: ":") else {
                        throw failure("Part \(partNumber) has a malformed header line (no colon).")
                    }
                    let name = line[..<colon].trimmingWhitespace().lowercased()
                    guard !name.isEmpty, !name.contains(" ") else {
                        throw failure("Part \(partNumber) has a malformed header name.")
                    }
                    headers.append((name, line[line.index(after: colon)...].trimmingWhitespace()))
                }
                lineStart = lineEnd + 2
            }
        }

        private func makePart(headers: [(String, String)], data: [UInt8], number: Int) throws -> MultipartPart {
            guard let disposition = headers.first(where: { $0.0 == "content-disposition" })?.1 else {
                throw failure("Part \(number) has no Content-Disposition header.")
            }
            let (type, parameters) = HeaderValue.parse(disposition)
            guard type == "form-data" else {
                throw failure("Part \(number) has Content-Disposition \"\(type)\", expected form-data.")
            }
            guard let name = parameters.first(where: { $0.name == "name" })?.value else {
                throw failure("Part \(number) has no name in its Content-Disposition.")
            }
            var filename = parameters.first(where: { $0.name == "filename" })?.value
            if let extended = parameters.first(where: { $0.name == "filename*" })?.value {
                guard let decoded = HeaderValue.decodeExtended(extended) else {
                    throw failure("Part \(number) has a malformed filename* parameter.")
                }
                filename = decoded
            }
            let contentType = headers.first(where: { $0.0 == "content-type" }).flatMap { MediaType.essence(of: $0.1) }
            return MultipartPart(name: name, filename: filename, contentType: contentType, data: data)
        }

        private func find(crlfFrom start: Int) -> Int? {
            var index = start
            while index + 1 < body.count {
                if body[index] == 13, body[index + 1] == 10 { return index }
                index += 1
            }
            return nil
        }

        private func starts(with text: String, at index: Int) -> Bool {
            starts(with: Array(text.utf8), at: index)
        }

        private func starts(with bytes: [UInt8], at index: Int) -> Bool {
            guard index >= 0, index + bytes.count <= body.count else { return false }
            for offset in 0..<bytes.count where body[index + offset] != bytes[offset] {
                return false
            }
            return true
        }
    }
}

/// `type; name=value; name="quoted; value"` header values (RFC 9110 parameters).
enum HeaderValue {
    /// The lowercased leading token and the parameters in order (names lowercased,
    /// quoted values unquoted with backslash escapes resolved).
    static func parse(_ value: String) -> (type: String, parameters: [(name: String, value: String)]) {
        var pieces: [String] = []
        var current = ""
        var inQuotes = false
        var escaped = false
        for character in value {
            if escaped {
                current.append(character)
                escaped = false
            } else if inQuotes && character == "\\" {
                current.append(character)
                escaped = true
            } else if character == "\"" {
                current.append(character)
                inQuotes.toggle()
            } else if character == ";" && !inQuotes {
                pieces.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        pieces.append(current)

        let type = (pieces.first ?? "").trimmingWhitespace().lowercased()
        var parameters: [(name: String, value: String)] = []
        for piece in pieces.dropFirst() {
            guard let equals = piece.firstIndex(of: "=") else { continue }
            let name = piece[..<equals].trimmingWhitespace().lowercased()
            var raw = piece[piece.index(after: equals)...].trimmingWhitespace()
            if raw.count >= 2, raw.hasPrefix("\""), raw.hasSuffix("\"") {
                raw = unquote(String(raw.dropFirst().dropLast()))
            }
            if !name.isEmpty { parameters.append((name, raw)) }
        }
        return (type, parameters)
    }

    private static func unquote(_ text: String) -> String {
        var result = ""
        var escaped = false
        for character in text {
            if escaped {
                result.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// RFC 8187 `charset'language'percent-encoded` (UTF-8 or ISO-8859-1); nil if malformed.
    static func decodeExtended(_ value: String) -> String? {
        let fields = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3 else { return nil }
        let charset = fields[0].lowercased()
        var bytes: [UInt8] = []
        let encoded = Array(fields[2].utf8)
        var index = 0
        while index < encoded.count {
            if encoded[index] == UInt8(ascii: "%") {
                guard index + 2 < encoded.count,
                    let byte = UInt8(String(decoding: encoded[(index + 1)...(index + 2)], as: UTF8.self), radix: 16)
                else { return nil }
                bytes.append(byte)
                index += 3
            } else {
                bytes.append(encoded[index])
                index += 1
            }
        }
        switch charset {
        case "utf-8":
            let text = String(decoding: bytes, as: UTF8.self)
            return text.utf8.elementsEqual(bytes) ? text : nil
        case "iso-8859-1":
            return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        default:
            return nil
        }
    }
}
