import CMicroHTTPD

/// A response that is answered many times with the same bytes (a cached search, a health
/// body). libmicrohttpd's copy of it is made once, with its headers, and every answer
/// queues that copy by reference: no allocation, body copy or header list per request.
/// libmicrohttpd counts the references itself, so one prepared response can be queued
/// on many connections at once.
public final class PreparedResponse: @unchecked Sendable {
    /// The response as the router and in-process callers see it.
    public let response: HTTPResponse
    /// libmicrohttpd's response, or nil when it could not be made (the server then builds
    /// one per request, as for any other response).
    let handle: OpaquePointer?

    public init(_ response: HTTPResponse) {
        var plain = response
        plain.prepared = nil
        self.response = plain
        self.handle = MHDResponse.make(plain)
    }

    deinit {
        if let handle { MHD_destroy_response(handle) }
    }
}

extension HTTPResponse {
    /// `prepared`'s response, answered through its prepared copy while unchanged.
    public init(_ prepared: PreparedResponse) {
        self = prepared.response
        self.prepared = prepared
    }
}

/// Builds libmicrohttpd's response for an `HTTPResponse`.
enum MHDResponse {
    /// Headers libmicrohttpd writes itself, lowercase.
    private static let headersMHDWrites = ["date", "content-length", "transfer-encoding"]

    /// Compared without allocating a lowercased copy of `name` (this runs for every header of
    /// every response that is not prepared).
    private static func writtenByMHD(_ name: String) -> Bool {
        let length = name.utf8.count
        return headersMHDWrites.contains {
            $0.utf8.count == length && $0.utf8.elementsEqual(name.utf8.lazy.map(ASCII.lower))
        }
    }

    /// A new response (reference count one, the caller's to destroy), or nil when
    /// libmicrohttpd cannot allocate it.
    static func make(_ response: HTTPResponse) -> OpaquePointer? {
        let created = response.body.withUnsafeBytes { bytes in
            MHD_create_response_from_buffer(
                bytes.count, UnsafeMutableRawPointer(mutating: bytes.baseAddress), .RESPMEM_MUST_COPY)
        }
        guard let created else { return nil }
        for (name, value) in response.headers where !writtenByMHD(name) {
            _ = MHD_add_response_header(created, name, value)
        }
        return created
    }
}
