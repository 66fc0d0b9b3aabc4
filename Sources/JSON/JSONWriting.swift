/// JSON string literals, escaped exactly as `JSONEncoder` escapes them: `"` and `\`,
/// the short escapes `\n \r \t \b \f`, any other control character as `\u00xx`
/// (lowercase hex), and everything else as its UTF-8, slashes included.
public enum JSONString {
    /// Appends `text` as a quoted JSON string. `escapingLineSeparators` also writes
    /// U+2028 and U+2029 as `\u2028` and `\u2029`, which JavaScript before ES2019 refuses
    /// raw in a string literal.
    public static func append(_ text: String, to bytes: inout [UInt8], escapingLineSeparators: Bool = false) {
        bytes.append(UInt8(ascii: "\""))
        let utf8 = text.utf8
        // Most text needs no escaping: copy it whole. U+2028 and U+2029 start with 0xE2.
        if !utf8.contains(where: {
            $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || (escapingLineSeparators && $0 == 0xE2)
        }) {
            bytes.append(contentsOf: utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        if escapingLineSeparators {
            for scalar in text.unicodeScalars {
                if scalar.value == 0x2028 || scalar.value == 0x2029 {
                    bytes.append(contentsOf: Array("\\u\(String(scalar.value, radix: 16))".utf8))
                } else if scalar.isASCII {
                    appendEscaped(UInt8(scalar.value), to: &bytes)
                } else {
                    bytes.append(contentsOf: String(scalar).utf8)
                }
            }
        } else {
            for byte in utf8 { appendEscaped(byte, to: &bytes) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// One byte of UTF-8, escaped if it must be.
    private static func appendEscaped(_ byte: UInt8, to bytes: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
        case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
        case 0..<0x20:
            bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            bytes.append(hexDigits[Int(byte >> 4)])
            bytes.append(hexDigits[Int(byte & 0xF)])
        default: bytes.append(byte)
        }
    }

    /// `text` as a quoted JSON string.
    public static func quoted(_ text: String, escapingLineSeparators: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 2)
        append(text, to: &bytes, escapingLineSeparators: escapingLineSeparators)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}

extension JSONValue {
    /// Compact JSON text: no whitespace, object members in their order, numbers as written,
    /// strings escaped by `JSONString`.
    public var serialized: [UInt8] {
        var bytes: [UInt8] = []
        write(to: &bytes)
        return bytes
    }

    /// Appends the compact JSON text of this value.
    public func write(to bytes: inout [UInt8]) {
        switch self {
        case .null: bytes.append(contentsOf: Array("null".utf8))
        case .bool(let value): bytes.append(contentsOf: Array((value ? "true" : "false").utf8))
        case .number(let number): bytes.append(contentsOf: number.text.utf8)
        case .string(let text): JSONString.append(text, to: &bytes)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                element.write(to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            for (index, member) in object.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                JSONString.append(member.key, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                member.value.write(to: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }
}
