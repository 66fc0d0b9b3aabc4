import Foundation
import XCTest

/// Runs `python3` with a script and arguments; returns the exit status and the combined
/// output. Used to check the OpenAPI document with the reference validator.
func runPython(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Whether a Python module imports; when it does not, fails the test naming the install command.
func requirePythonModule(_ module: String, package: String, file: StaticString = #filePath, line: UInt = #line) throws -> Bool {
    let probe = try runPython(["-c", "import \(module)"])
    if probe.status != 0 {
        XCTFail(
            "Python module \(module) is missing: pip install \(package) (scripts/test installs it).\n\(probe.output)",
            file: file, line: line)
        return false
    }
    return true
}

/// Writes `text` to a fresh temporary file and returns its URL.
func temporaryFile(named name: String, contents text: String) throws -> URL {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("nanovlm-docs-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url
}
