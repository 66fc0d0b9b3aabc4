/// What the server knows about one request while libmicrohttpd feeds it in pieces.
/// Created in the URI callback, kept in `*con_cls` (retained), released in the
/// request-completed callback.
final class RequestState {
    let target: String
    var method = ""
    /// Lowercased names, in the order received.
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []
    /// The first access-handler call (headers complete) has happened.
    var started = false
    /// Counted in the server's in-flight requests; uncounted when completed.
    var counted = false
    /// The body passed the limit; the rest is discarded and 413 is the answer.
    var tooLarge = false

    init(target: String) {
        self.target = target
        LiveCounter.requestStates.add(1)
    }

    deinit {
        LiveCounter.requestStates.add(-1)
    }
}

/// Counts objects handed to C, so tests can check every `passRetained` is released.
/// Sharded per thread: it is touched twice per request by every worker thread.
enum LiveCounter {
    static let requestStates = ShardedCounter()
}
