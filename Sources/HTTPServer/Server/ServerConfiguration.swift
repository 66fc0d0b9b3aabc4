/// How `HTTPServer` listens and how many resources it may use.
public struct ServerConfiguration: Sendable {
    /// A numeric IPv4/IPv6 address or a host name; `"::"` listens on IPv6 and IPv4.
    public var host: String = "0.0.0.0"
    /// 0 asks the kernel for a free port; read it back from `HTTPServer.port`.
    public var port: Int = 8080
    /// Bodies larger than this get 413 without being read to the end.
    public var maxBodyBytes: Int = 4 << 20
    /// Worker threads, each running its own poll loop over its share of the
    /// connections (libmicrohttpd's thread pool). Handlers run on these threads, so
    /// this is also the number of requests computed at once. 0 selects one thread per
    /// connection instead (no head-of-line blocking behind a slow handler, at the cost
    /// of a thread per open connection).
    ///
    /// Measured on the 2-core build machine, 50 keep-alive/reconnecting clients x 200
    /// small POSTs: pool of 1: 1.50 s, 2: 1.58-1.97 s, 4: 1.80 s, per-connection:
    /// 1.57-1.68 s — the clients, not the mode, set the pace. The default is a pool the
    /// size of the core count: handlers are CPU-bound, so more threads only add context
    /// switches, and memory stays flat with 1024 open connections. The price: a request
    /// shares its worker with others, so one slow handler delays the connections queued
    /// on the same worker.
    public var threads: Int = 2
    /// Idle connections are closed after this many seconds.
    public var connectionTimeoutSeconds: Int = 30
    public var connectionLimit: Int = 1024
    public var perIPConnectionLimit: Int = 256
    /// Per-connection memory for request headers and read buffers. libmicrohttpd clears
    /// part of it for every request on a kept-alive connection, so it is kept at its default (32 KiB:
    /// 16 KiB cut off a 4 KB query string with a body behind it; bodies are buffered outside it).
    public var connectionMemoryBytes: Int = 32 * 1024
    /// Lets libmicrohttpd print its own diagnostics (client protocol errors, accept
    /// failures) to stderr.
    public var logLibraryErrors: Bool = false

    public init(
        host: String = "0.0.0.0", port: Int = 8080, maxBodyBytes: Int = 4 << 20, threads: Int = 2,
        connectionTimeoutSeconds: Int = 30, connectionLimit: Int = 1024, perIPConnectionLimit: Int = 256,
        connectionMemoryBytes: Int = 32 * 1024, logLibraryErrors: Bool = false
    ) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.threads = threads
        self.connectionTimeoutSeconds = connectionTimeoutSeconds
        self.connectionLimit = connectionLimit
        self.perIPConnectionLimit = perIPConnectionLimit
        self.connectionMemoryBytes = connectionMemoryBytes
        self.logLibraryErrors = logLibraryErrors
    }
}

/// Why the server could not start.
public struct HTTPServerError: Error, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
