import HTTPServer

/// Finished text → image search bodies of one loaded model, by (query text, k, explain).
/// A body depends on nothing else, so a repeated query skips the parser, the text encoder,
/// the ranking and the JSON writer. It belongs to a `LoadedModel`, so a reload starts empty.
///
/// Bounded: at most `capacity` entries of at most `maxBodyBytes` each. When full it is
/// emptied and refills with what is asked next — no per-hit bookkeeping on the hot path,
/// and a working set that fits stays cached.
final class SearchCache: Sendable {
    struct Key: Hashable, Sendable {
        let query: String
        let k: Int
        let explain: Bool
    }

    /// Bodies up to k ≈ 12 (fewer with explanations); larger ones are cheap
    /// to rebuild relative to the memory they would hold. 512 entries stay under about 1 MiB.
    static let maxBodyBytes = 2048

    let capacity: Int
    private let entries = ReadMostly<[Key: [UInt8]]>([:])

    /// - Parameter capacity: the most entries held; 0 turns the cache off.
    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    var count: Int { entries.read { $0.count } }

    func body(for key: Key) -> [UInt8]? {
        guard capacity > 0 else { return nil }
        return entries.read { $0[key] }
    }

    func store(_ body: [UInt8], for key: Key) {
        guard capacity > 0, body.count <= Self.maxBodyBytes else { return }
        entries.write { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = body
        }
    }

    /// The cached body, or `make()`'s, stored for next time. Errors are never cached.
    func body(for key: Key, make: () throws -> [UInt8]) rethrows -> [UInt8] {
        if let cached = body(for: key) { return cached }
        let made = try make()
        store(made, for: key)
        return made
    }
}
