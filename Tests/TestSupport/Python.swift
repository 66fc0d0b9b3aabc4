import Foundation
import XCTest

/// How one `python3` run ended and what it printed.
public struct PythonRun: Sendable {
    public let arguments: [String]
    public let status: Int32
    /// Standard output (what scripts print for the test to read).
    public let output: String
    /// Standard error (tracebacks, validator messages).
    public let errors: String

    /// Both streams, for failure messages.
    public var transcript: String { errors.isEmpty ? output : output + "\n" + errors }
}

/// Runs `python3` with arguments (a script and its arguments, `-c CODE` or `-m MODULE`).
/// Returns the exit status and both outputs; with `requireSuccess`, a non-zero exit fails
/// the test with the transcript and throws, so callers can read `output` without checking.
/// With NANOVLM_SKIP_PYTHON=1 it runs nothing and skips the test: for runs where a child
/// process cannot start (under valgrind, whose preload would follow it) or Python is absent.
@discardableResult
public func runPython(
    _ arguments: [String], requireSuccess: Bool = false, file: StaticString = #filePath, line: UInt = #line
) throws -> PythonRun {
    if ProcessInfo.processInfo.environment["NANOVLM_SKIP_PYTHON"] == "1" {
        throw XCTSkip("this test runs python3, and NANOVLM_SKIP_PYTHON=1")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    // Drain stderr on another thread: a script that fills one pipe while this side waits on
    // the other would otherwise block both.
    let errorData = LockedData()
    let drain = Thread { errorData.set(errors.fileHandleForReading.readDataToEndOfFile()) }
    drain.start()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let run = PythonRun(
        arguments: arguments, status: process.terminationStatus,
        output: String(decoding: outputData, as: UTF8.self), errors: String(decoding: errorData.wait(), as: UTF8.self))
    if requireSuccess, run.status != 0 {
        let command = (["python3"] + arguments).map { $0.count > 200 ? String($0.prefix(200)) + "…" : $0 }
        XCTFail("\(command.joined(separator: " ")) failed (status \(run.status)):\n\(run.transcript)", file: file, line: line)
        throw PythonFailure(description: "python3 exited with status \(run.status)")
    }
    return run
}

/// Requires a `python3` that imports every one of `modules`. When it does not (or python3
/// is missing), fails the test naming `install` and throws (with NANOVLM_SKIP_PYTHON=1,
/// `runPython` skips the test first).
public func requirePython(
    modules: [String], install: String, file: StaticString = #filePath, line: UInt = #line
) throws {
    let probe = try runPython(["-c", "import " + (modules.isEmpty ? "sys" : modules.joined(separator: ", "))])
    guard probe.status != 0 else { return }
    let missing = "python3 with \(modules.isEmpty ? "its standard library" : modules.joined(separator: ", ")) is missing"
    XCTFail(
        "\(missing): \(install) (NANOVLM_SKIP_PYTHON=1 skips instead).\n\(probe.transcript)", file: file, line: line)
    throw PythonFailure(description: missing)
}

public struct PythonFailure: Error, CustomStringConvertible {
    public let description: String
}

/// Bytes handed from the stderr-draining thread to the caller.
private final class LockedData: @unchecked Sendable {
    private let condition = NSCondition()
    private var data: Data?

    func set(_ value: Data) {
        condition.lock()
        data = value
        condition.signal()
        condition.unlock()
    }

    func wait() -> Data {
        condition.lock()
        defer { condition.unlock() }
        while data == nil { condition.wait() }
        return data!
    }
}
