import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The write end of the self-pipe; set before any handler is installed.
private var signalPipeWriteEnd: Int32 = -1

/// The whole signal handler: one `write(2)` of the signal number to the self-pipe, which is
/// async-signal-safe. Any thread may run it (OpenBLAS starts threads before `main`, so
/// blocking signals and `sigwait` could miss them); the work happens on the watcher thread.
private let forwardSignal: @convention(c) (Int32) -> Void = { signal in
    let savedErrno = errno
    var byte = UInt8(truncatingIfNeeded: signal)
    _ = write(signalPipeWriteEnd, &byte, 1)
    errno = savedErrno
}

/// Delivers SIGTERM, SIGINT, SIGHUP … to a callback on a dedicated thread.
enum SignalWatcher {
    /// Installs the handlers and starts the watcher thread. Call once per process.
    static func start(signals: [Int32], onSignal: @escaping @Sendable (Int32) -> Void) throws {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            throw ModelLoaderError("cannot create the signal pipe: \(String(cString: strerror(errno)))")
        }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        // A full pipe drops a signal rather than blocking the handler.
        _ = fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) | O_NONBLOCK)
        signalPipeWriteEnd = ends[1]
        let readEnd = ends[0]
        let thread = Thread {
            var byte: UInt8 = 0
            while true {
                let count = read(readEnd, &byte, 1)
                if count == 1 {
                    onSignal(Int32(byte))
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
        thread.name = "nanovlm-signals"
        thread.start()
        for signal in signals { installHandler(signal, forwardSignal) }
    }
}

/// `signal(2)`, named apart from the loop variable; glibc's has BSD semantics (the handler
/// stays installed and interrupted calls restart).
private func installHandler(_ number: Int32, _ handler: @convention(c) (Int32) -> Void) {
    _ = signal(number, handler)
}
