extension String {
    /// Lowercases A–Z only. HTTP header names and media types are ASCII, and this skips the
    /// Unicode case tables that `lowercased()` consults on every call.
    var asciiLowercased: String {
        let bytes = utf8
        guard bytes.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return self }
        return String(decoding: bytes.map(ASCII.lower), as: UTF8.self)
    }
}

enum ASCII {
    /// The byte with A–Z lowered.
    @inline(__always)
    static func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
}
