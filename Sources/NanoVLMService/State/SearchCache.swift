import HTTPServer

/// Finished text → image search responses of one loaded model, by (query text, k, explain).
/// A body depends on nothing else, so a repeated query skips the parser, the text encoder,
/// the ranking and the JSON writer; entries are `PreparedResponse`s, so the server also
/// skips building libmicrohttpd's response. It belongs to a `LoadedModel`, so a reload
/// starts empty.
///
/// Bounded: at most `capacity` entries with bodies of at most `maxBodyBytes` each. When full
/// it is emptied and refills with what is asked next — no per-hit bookkeeping on the hot
/// path, and a working set that fits stays cached.
final class SearchCache: Sendable {
    struct Key: Hashable, Sendable {
        let query: String
        let k: Int
        let explain: Bool
    }

    /// Bodies up to k ≈ 12 (fewer with explanations); larger ones are cheap
    /// to rebuild relative to the memory they would hold. 512 entries stay under about 2 MiB
    /// (each body is held twice: once for in-process callers, once in libmicrohttpd's copy).
    static let maxBodyBytes = 2048

    let capacity: Int
    private let entries = ReadMostly<[Key: PreparedResponse]>([:])

    /// - Parameter capacity: the most entries held; 0 turns the cache off.
    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    var count: Int { entries.read { $0.count } }

    func response(for key: Key) -> HTTPResponse? {
        guard capacity > 0, let prepared = entries.read({ $0[key] }) else { return nil }
        return HTTPResponse(prepared)
    }

    /// Keeps `response` when it is small enough; returns what to answer with (the prepared
    /// copy when kept).
    @discardableResult
    func store(_ response: HTTPResponse, for key: Key) -> HTTPResponse {
        guard capacity > 0, response.body.count <= Self.maxBodyBytes else { return response }
        let prepared = PreparedResponse(response)
        entries.write { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = prepared
        }
        return HTTPResponse(prepared)
    }

    /// The cached response, or `make()`'s, stored for next time. Errors are never cached.
    func response(for key: Key, make: () throws -> HTTPResponse) rethrows -> HTTPResponse {
        if let cached = response(for: key) { return cached }
        return store(try make(), for: key)
    }
}
