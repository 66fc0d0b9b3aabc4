import Foundation
import HTTPServer

/// The files the server sends unchanged: the web page at `/` with its stylesheet and
/// script, and the OpenAPI 3.0.3 description of the API at `/openapi.json` (docs/API.md).
///
/// They are the files in `Sources/NanoVLMService/Resources/`, shipped as this target's
/// SwiftPM resource bundle, which sits next to the binary (`nanovlm_NanoVLMService.resources`
/// on Linux, `.bundle` on macOS; the container image copies it to /usr/local/bin). They are
/// looked for only there, never in the build folder, so a deployment missing the bundle is
/// caught at once: `nanovlm serve` refuses to start and names the files it could not find,
/// and an API running without them answers these routes with a JSON 500.
///
/// The page is plain HTML, CSS and JavaScript with no build step and nothing loaded from
/// elsewhere; it talks to the API only through same-origin paths, so it works behind any
/// prefix-free proxy. Its element ids are stable so a browser test can drive it:
/// `#query`, `#k`, `#explain`, `#results` (`.result` > `.rank`, `.caption`, `.score`,
/// `.probability`), `#file`, `#drop`, `#draw`, `#colours`, `#shape`, `#position`,
/// `#stamp`, `#clear-drawing`, `#submit-drawing`, `#caption-k`, `#upload-preview`,
/// `#captions` (`.caption-result` > `.caption`), `#classification`
/// (`#class-colour`, `#class-shape`, `#class-position`, each with `.label`), `#error`,
/// `#status`, `#model-info`, `#metrics`, `#training-plot`, `#map-space`, `#space-status`,
/// `#pca`, `#heatmap`, `#heatmap-info`.
public enum ServedFiles {
    /// One file and the route that serves it.
    public struct File: Sendable {
        public let route: String
        public let name: String
        public let contentType: String
    }

    /// Every served file. None carries caching headers: the page, its stylesheet and its
    /// script are fetched afresh on each load, so the three always come from the same build.
    public static let files: [File] = [
        File(route: "/", name: "index.html", contentType: "text/html; charset=utf-8"),
        File(route: "/page.css", name: "page.css", contentType: "text/css; charset=utf-8"),
        File(route: "/page.js", name: "page.js", contentType: "text/javascript; charset=utf-8"),
        File(route: "/openapi.json", name: "openapi.json", contentType: "application/json"),
    ]

    /// The resource bundle's name without its extension: SwiftPM's `<package>_<target>`.
    public static let bundleName = "nanovlm_NanoVLMService"

    /// The files could not all be read from one resource bundle.
    public struct MissingError: Error, Sendable, CustomStringConvertible {
        /// The files not found (or not readable) in the most complete bundle seen.
        public let missing: [String]
        /// The folders searched for the bundle.
        public let searched: [String]

        public var description: String {
            "the web page and OpenAPI document are missing: \(missing.joined(separator: ", ")) not found in "
                + "\(bundleName).resources (or .bundle) in \(searched.joined(separator: " or ")); the bundle is in "
                + "the build's bin folder (swift build --show-bin-path) and belongs next to the binary"
        }
    }

    /// The files by route, ready to answer; read once, at first use.
    public static let loaded: Result<[String: PreparedResponse], MissingError> = load(from: defaultFolders)

    /// The folders the bundle may sit in: the main bundle's (the executable's folder on
    /// Linux) and the executable's own with symbolic links resolved.
    public static var defaultFolders: [URL] {
        var folders = [Bundle.main.bundleURL]
        if let executable = Bundle.main.executableURL {
            folders.append(executable.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        var seen: Set<String> = []
        return folders.filter { seen.insert($0.standardizedFileURL.path).inserted }
    }

    /// Reads every file from the first bundle in `folders` that holds them all.
    public static func load(from folders: [URL]) -> Result<[String: PreparedResponse], MissingError> {
        var fewestMissing = files.map(\.name)
        for folder in folders {
            for suffix in ["resources", "bundle"] {
                let url = folder.appendingPathComponent("\(bundleName).\(suffix)", isDirectory: true)
                guard let bundle = Bundle(url: url) else { continue }
                var responses: [String: PreparedResponse] = [:]
                var missing: [String] = []
                for file in files {
                    let name = file.name as NSString
                    guard
                        let location = bundle.url(
                            forResource: name.deletingPathExtension, withExtension: name.pathExtension),
                        let bytes = FileManager.default.contents(atPath: location.path)
                    else {
                        missing.append(file.name)
                        continue
                    }
                    responses[file.route] = PreparedResponse(
                        HTTPResponse(status: 200, headers: [("Content-Type", file.contentType)], body: [UInt8](bytes)))
                }
                if missing.isEmpty { return .success(responses) }
                if missing.count < fewestMissing.count { fewestMissing = missing }
            }
        }
        return .failure(MissingError(missing: fewestMissing, searched: folders.map(\.path)))
    }

    /// What a route answers when the files are missing.
    static func unavailable(_ error: MissingError) -> HTTPError {
        HTTPError(500, code: "resources_missing", message: "The server cannot send this file: \(error).")
    }
}
