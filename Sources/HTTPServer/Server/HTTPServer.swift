import CMicroHTTPD
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A small HTTP/1.1 server on libmicrohttpd. It reads each request completely
/// (bodies capped at `maxBodyBytes`), calls `handler` on a worker thread, and writes
/// the response. It knows nothing about what the handler does.
public final class HTTPServer: @unchecked Sendable {
    public let configuration: ServerConfiguration
    private let core: ServerCore
    private let lock = NSLock()
    private let stopLock = NSLock()
    private var daemon: OpaquePointer?
    private var boundPort = 0

    /// How long `stop()` waits for in-flight requests before closing everything.
    public var drainTimeoutSeconds: Double = 10

    /// - Parameters:
    ///   - configuration: where to listen and the limits.
    ///   - handler: answers a complete request; called concurrently from worker threads.
    public init(configuration: ServerConfiguration, handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse) {
        self.configuration = configuration
        self.core = ServerCore(maxBodyBytes: configuration.maxBodyBytes, handler: handler)
    }

    deinit {
        stop()
    }

    /// The port actually bound (useful with port 0); 0 before `start()`.
    public var port: Int {
        lock.lock()
        defer { lock.unlock() }
        return boundPort
    }

    /// Requests whose headers have arrived and whose response is not yet complete.
    public var inFlightRequests: Int { core.inFlightRequests }

    /// Binds `host:port` and starts serving on background threads.
    /// - Throws: `HTTPServerError` naming the address when it cannot be bound.
    public func start() throws {
        lock.lock()
        defer { lock.unlock() }
        guard daemon == nil else { return }
        let config = configuration
        let address = "\(config.host.contains(":") ? "[\(config.host)]" : config.host):\(config.port)"
        guard (0...65535).contains(config.port) else {
            throw HTTPServerError("Cannot listen on \(address): the port is out of range.")
        }
        var (socketAddress, family) = try Self.resolve(host: config.host, port: config.port, display: address)

        var flags = MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_USE_ITC.rawValue
        // poll, not epoll: with a thread pool and epoll, libmicrohttpd 0.9.75's
        // MHD_quiesce_daemon removes the listen socket from each worker's epoll set while the
        // worker may be doing the same, and the loser aborts the process ("Failed to remove
        // listen FD from epoll set") — seen here during a graceful stop under load.
        flags |= MHD_USE_POLL.rawValue
        if config.threads == 0 {
            flags |= MHD_USE_THREAD_PER_CONNECTION.rawValue
        }
        if family == AF_INET6 {
            flags |= (config.host == "::" ? MHD_USE_DUAL_STACK.rawValue : MHD_USE_IPv6.rawValue)
        }

        let retainedCore = Unmanaged.passRetained(core)
        errno = 0
        let started = withUnsafeBytes(of: &socketAddress) { raw in
            nanovlm_mhd_start_daemon(
                flags, raw.baseAddress?.assumingMemoryBound(to: sockaddr.self),
                MHDCallbacks.accessHandler, retainedCore.toOpaque(),
                MHDCallbacks.requestCompleted, retainedCore.toOpaque(),
                MHDCallbacks.uriReceived, nil,
                UInt32(clamping: max(1, config.threads)), UInt32(clamping: max(1, config.connectionLimit)),
                UInt32(clamping: max(0, config.perIPConnectionLimit)),
                UInt32(clamping: max(0, config.connectionTimeoutSeconds)),
                max(4096, config.connectionMemoryBytes), config.logLibraryErrors ? 1 : 0)
        }
        let startErrno = errno
        guard let started else {
            retainedCore.release()
            let reason = startErrno == 0 ? "libmicrohttpd could not start" : String(cString: strerror(startErrno))
            throw HTTPServerError("Cannot listen on \(address): \(reason).")
        }
        daemon = started
        boundPort = Int(nanovlm_mhd_bind_port(started))
        if boundPort == 0 { boundPort = config.port }
    }

    /// Stops gracefully: refuses new connections at once, lets requests already
    /// received finish (up to `drainTimeoutSeconds`), then closes every connection.
    /// Idempotent; concurrent callers return once the server has stopped.
    public func stop() {
        stopLock.lock()
        defer { stopLock.unlock() }
        lock.lock()
        let running = daemon
        lock.unlock()
        guard let running else { return }

        let listenSocket = MHD_quiesce_daemon(running)
        if listenSocket >= 0 {
            // MHD no longer accepts on it, but the kernel still would complete handshakes
            // into the backlog; shutting it down makes new connections fail fast.
            _ = shutdown(listenSocket, Int32(SHUT_RDWR))
        }
        let deadline = Date().addingTimeInterval(drainTimeoutSeconds)
        while core.inFlightRequests > 0 && Date() < deadline {
            usleep(5_000)
        }
        MHD_stop_daemon(running)
        if listenSocket >= 0 {
            _ = close(listenSocket)
        }
        lock.lock()
        daemon = nil
        lock.unlock()
        // Balances the passRetained in start(); MHD's threads are gone now.
        Unmanaged.passUnretained(core).release()
    }

    /// A socket address for `host:port`: numeric IPv4, numeric IPv6, else a name lookup.
    private static func resolve(host: String, port: Int, display: String) throws -> (sockaddr_storage, Int32) {
        var storage = sockaddr_storage()
        var ipv4 = in_addr()
        if inet_pton(AF_INET, host, &ipv4) == 1 {
            withUnsafeMutableBytes(of: &storage) { raw in
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = in_port_t(UInt16(port).bigEndian)
                address.sin_addr = ipv4
                withUnsafeBytes(of: &address) { raw.copyMemory(from: $0) }
            }
            return (storage, AF_INET)
        }
        var ipv6 = in6_addr()
        if inet_pton(AF_INET6, host, &ipv6) == 1 {
            withUnsafeMutableBytes(of: &storage) { raw in
                var address = sockaddr_in6()
                address.sin6_family = sa_family_t(AF_INET6)
                address.sin6_port = in_port_t(UInt16(port).bigEndian)
                address.sin6_addr = ipv6
                withUnsafeBytes(of: &address) { raw.copyMemory(from: $0) }
            }
            return (storage, AF_INET6)
        }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        defer { if let result { freeaddrinfo(result) } }
        guard status == 0, let first = result, let found = first.pointee.ai_addr else {
            let reason = status == 0 ? "no address found" : String(cString: gai_strerror(status))
            throw HTTPServerError("Cannot listen on \(display): \(reason).")
        }
        let length = min(Int(first.pointee.ai_addrlen), MemoryLayout<sockaddr_storage>.size)
        withUnsafeMutableBytes(of: &storage) { raw in
            raw.copyMemory(from: UnsafeRawBufferPointer(start: found, count: length))
        }
        return (storage, first.pointee.ai_family)
    }
}
