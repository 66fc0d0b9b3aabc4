extension String {
    /// Lowercases A–Z only. HTTP header names and media types are ASCII, and this skips the
    /// Unicode case tables that `lowercased()` consults on every call.
    var asciiLowercased: String {
        let bytes = utf8
        guard bytes.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return self }
        return String(decoding: bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
