import Foundation

/// Writes `text` to a fresh temporary folder under `name` and returns the file's URL
/// (remove its folder, `deletingLastPathComponent()`, when done).
public func temporaryFile(named name: String, contents text: String) throws -> URL {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("nanovlm-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url
}
