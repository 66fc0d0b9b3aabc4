import Foundation
import HTTPServer
import Logging
import XCTest

@testable import NanoVLMService

/// The page and the OpenAPI document come from the resource bundle next to the binary
/// (here the test binary); without it the API answers a JSON 500 naming what is missing.
final class ServedFilesTests: XCTestCase {
    /// `Sources/NanoVLMService/Resources` in this checkout.
    static let sourceFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/NanoVLMService/Resources", isDirectory: true)

    func makeAPI(files: Result<[String: PreparedResponse], ServedFiles.MissingError> = ServedFiles.loaded) -> ServiceAPI {
        ServiceAPI(state: ServiceState(configuration: AppConfiguration(), logger: Logger(label: "test")), files: files)
    }

    func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("nanovlm-served-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }

    /// The built bundle is found and holds the source tree's files byte for byte.
    func testServesTheSourceFilesFromTheBundleNextToTheBinary() throws {
        if case .failure(let error) = ServedFiles.loaded { XCTFail("\(error)") }
        let api = makeAPI()
        for file in ServedFiles.files {
            let answer = api.handle(HTTPRequest(method: "GET", target: file.route))
            XCTAssertEqual(answer.status, 200, file.route)
            XCTAssertEqual(answer.header("Content-Type"), file.contentType, file.route)
            let source = try Data(contentsOf: Self.sourceFolder.appendingPathComponent(file.name))
            XCTAssertEqual(answer.body, [UInt8](source), "\(file.route) differs from Resources/\(file.name)")
            let head = api.handle(HTTPRequest(method: "HEAD", target: file.route))
            XCTAssertEqual(head.status, 200, "HEAD \(file.route)")
            XCTAssertEqual(head.header("Content-Type"), file.contentType, "HEAD \(file.route)")
        }
    }

    /// The page's stylesheet and script are sent with the same caching headers as the page.
    func testStylesheetAndScriptCacheLikeThePage() {
        let api = makeAPI()
        let page = api.handle(HTTPRequest(method: "GET", target: "/"))
        for route in ["/page.css", "/page.js"] {
            let answer = api.handle(HTTPRequest(method: "GET", target: route))
            for header in ["Cache-Control", "ETag", "Expires", "Last-Modified"] {
                XCTAssertEqual(answer.header(header), page.header(header), "\(route) \(header)")
            }
        }
    }

    func testAFolderWithACompleteBundleLoads() throws {
        let folder = try temporaryFolder()
        let bundle = folder.appendingPathComponent("\(ServedFiles.bundleName).resources", isDirectory: true)
        try FileManager.default.createDirectory(at: bundle, withIntermediateDirectories: true)
        for file in ServedFiles.files {
            try FileManager.default.copyItem(
                at: Self.sourceFolder.appendingPathComponent(file.name), to: bundle.appendingPathComponent(file.name))
        }
        let empty = try temporaryFolder()
        let responses = try ServedFiles.load(from: [empty, folder]).get()
        XCTAssertEqual(Set(responses.keys), Set(ServedFiles.files.map(\.route)))
        let page = try XCTUnwrap(responses["/"]).response
        XCTAssertEqual(page.body, [UInt8](try Data(contentsOf: Self.sourceFolder.appendingPathComponent("index.html"))))
    }

    func testWithoutTheBundleTheErrorNamesWhatIsMissingAndWhere() throws {
        let folder = try temporaryFolder()
        guard case .failure(let error) = ServedFiles.load(from: [folder]) else { return XCTFail("loaded from nothing") }
        XCTAssertEqual(error.missing, ServedFiles.files.map(\.name))
        XCTAssertEqual(error.searched, [folder.path])
        XCTAssertTrue(error.description.contains("nanovlm_NanoVLMService.resources"), error.description)
        XCTAssertTrue(error.description.contains(folder.path), error.description)
        XCTAssertTrue(error.description.contains("index.html, page.css, page.js, openapi.json"), error.description)
    }

    func testAnIncompleteBundleNamesOnlyTheFilesItLacks() throws {
        let folder = try temporaryFolder()
        let bundle = folder.appendingPathComponent("\(ServedFiles.bundleName).resources", isDirectory: true)
        try FileManager.default.createDirectory(at: bundle, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: Self.sourceFolder.appendingPathComponent("index.html"), to: bundle.appendingPathComponent("index.html"))
        guard case .failure(let error) = ServedFiles.load(from: [folder]) else { return XCTFail("loaded a partial bundle") }
        XCTAssertEqual(error.missing, ["page.css", "page.js", "openapi.json"])
    }

    /// An API running without the files answers their routes with a JSON 500 saying what is
    /// missing, and every other route as usual.
    func testWithoutTheFilesTheirRoutesAnswerAJSON500() throws {
        let folder = try temporaryFolder()
        let api = makeAPI(files: ServedFiles.load(from: [folder]))
        for file in ServedFiles.files {
            let answer = api.handle(HTTPRequest(method: "GET", target: file.route))
            XCTAssertEqual(answer.status, 500, file.route)
            XCTAssertEqual(answer.header("Content-Type"), "application/json", file.route)
            let body = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])
            let error = try XCTUnwrap(body["error"] as? [String: Any], file.route)
            XCTAssertEqual(error["code"] as? String, "resources_missing", file.route)
            let message = try XCTUnwrap(error["message"] as? String)
            XCTAssertTrue(message.contains("nanovlm_NanoVLMService.resources"), message)
        }
        XCTAssertEqual(api.handle(HTTPRequest(method: "GET", target: "/healthz")).status, 200)
    }
}
