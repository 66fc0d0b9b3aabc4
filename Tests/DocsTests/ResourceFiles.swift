import Foundation
import NanoVLMService
import XCTest

/// `Sources/NanoVLMService/Resources` in this checkout: the files the server sends, read
/// from the source tree rather than from a built bundle.
let resourcesFolder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Sources/NanoVLMService/Resources", isDirectory: true)

/// One resource file's text (UTF-8).
func resourceText(_ name: String) throws -> String {
    let data = try Data(contentsOf: resourcesFolder.appendingPathComponent(name))
    return try XCTUnwrap(String(data: data, encoding: .utf8), "\(name) is not UTF-8")
}

final class ResourceFilesTests: XCTestCase {
    /// Every file in the folder is served and every served file is in the folder, so
    /// nothing is shipped unused and no route depends on a file that is not there.
    func testTheFolderHoldsExactlyTheServedFiles() throws {
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: resourcesFolder.path).sorted()
        XCTAssertEqual(onDisk, ServedFiles.files.map(\.name).sorted())
        XCTAssertEqual(Set(ServedFiles.files.map(\.route)).count, ServedFiles.files.count, "one file per route")
    }

    /// Package.swift copies each served file into the target's resource bundle.
    func testThePackageShipsEveryFile() throws {
        let manifest = try String(
            contentsOf: resourcesFolder.deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("Package.swift"),
            encoding: .utf8)
        for file in ServedFiles.files {
            XCTAssertTrue(manifest.contains(".copy(\"Resources/\(file.name)\")"), "\(file.name) is not in Package.swift")
        }
    }
}
