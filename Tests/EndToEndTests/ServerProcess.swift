import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The real release `nanovlm` binary, started as a child process.
final class ServerProcess {
    let process = Process()
    let directory: URL
    private let stdoutPipe = Pipe()
    private let stderrURL: URL
    private(set) var port = 0

    /// The binary next to the test bundle (both are products of the same build);
    /// `NANOVLM_BINARY` overrides.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["NANOVLM_BINARY"] {
            return URL(fileURLWithPath: path)
        }
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent(),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
        ]
        for directory in candidates {
            let url = directory.appendingPathComponent("nanovlm")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return candidates[0].appendingPathComponent("nanovlm")
    }

    /// Starts `nanovlm serve` on 127.0.0.1 with a free port and waits for its
    /// "listening on" line (or for it to exit, when `expectListening` is false).
    /// - Parameters:
    ///   - directory: working directory; the stderr log goes there.
    ///   - arguments: after `serve --host 127.0.0.1 --port 0`.
    ///   - binary: the executable, the build's own unless a test moved a copy elsewhere.
    init(
        directory: URL, arguments: [String], environment: [String: String] = [:], expectListening: Bool = true,
        binary: URL = ServerProcess.binary
    ) throws {
        self.directory = directory
        stderrURL = directory.appendingPathComponent("stderr-\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = binary
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", "0"] + arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("NANOVLM_") }
        env.merge(environment) { $1 }
        process.environment = env
        process.standardOutput = stdoutPipe
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
        guard expectListening else { return }
        var output = ""
        let reader = stdoutPipe.fileHandleForReading
        while !output.contains("\n") || port == 0 {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            output += String(decoding: chunk, as: UTF8.self)
            if let range = output.range(of: #"listening on http://127\.0\.0\.1:(\d+)\n"#, options: .regularExpression) {
                let line = output[range].trimmingCharacters(in: .newlines)
                port = Int(line.split(separator: ":").last ?? "") ?? 0
            }
        }
        guard port > 0 else {
            throw HTTPFailure(description: "server did not announce a port; stdout: \(output); stderr: \(stderr)")
        }
    }

    var client: Client { Client(port: port) }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }
    var pid: Int32 { process.processIdentifier }

    func signal(_ number: Int32) { kill(pid, number) }

    /// Waits for the process to exit; nil on timeout.
    func waitForExit(timeout: TimeInterval = 30) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Stops the process (SIGTERM, then SIGKILL if it lingers).
    func stop() {
        guard process.isRunning else { return }
        signal(SIGTERM)
        if waitForExit(timeout: 15) == nil {
            signal(SIGKILL)
            _ = waitForExit(timeout: 5)
        }
    }

    /// Polls `/readyz` until 200.
    func waitUntilReady(timeout: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let reply = try? client.get("/readyz"), reply.status == 200 { return }
            guard process.isRunning else {
                throw HTTPFailure(description: "server exited with \(process.terminationStatus) before ready: \(stderr)")
            }
            usleep(200_000)
        }
        throw HTTPFailure(description: "server not ready after \(timeout) s: \(stderr.suffix(2000))")
    }

    deinit { stop() }
}
