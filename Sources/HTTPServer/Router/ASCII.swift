#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension String {
    /// Lowercases A–Z only. HTTP header names and media types are ASCII, and this skips the
    /// Unicode case tables that `lowercased()` consults on every call.
    var asciiLowercased: String {
        let bytes = utf8
        guard bytes.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return self }
        return String(unsafeUninitializedCapacity: bytes.count) { output in
            var count = 0
            for byte in bytes {
                output[count] = ASCII.lower(byte)
                count += 1
            }
            return count
        }
    }
}

enum ASCII {
    /// A NUL-terminated C string (a header name from libmicrohttpd) as a String with A–Z
    /// lowered, built in one pass without an intermediate copy.
    static func lowercasedString(cString: UnsafePointer<CChar>) -> String {
        let count = strlen(cString)
        return cString.withMemoryRebound(to: UInt8.self, capacity: count) { bytes in
            String(unsafeUninitializedCapacity: count) { output in
                for i in 0..<count { output[i] = lower(bytes[i]) }
                return count
            }
        }
    }

    /// The byte with A–Z lowered.
    @inline(__always)
    static func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
}
