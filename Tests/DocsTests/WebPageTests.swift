import Foundation
import NanoVLMService
import TestSupport
import XCTest

/// Matches of `pattern` in `text`: for each match, the captured groups (or the whole match).
func matches(of pattern: String, in text: String, options: NSRegularExpression.Options = []) throws -> [[String]] {
    let regex = try NSRegularExpression(pattern: pattern, options: options)
    let source = text as NSString
    return regex.matches(in: text, range: NSRange(location: 0, length: source.length)).map { match in
        let groups = match.numberOfRanges > 1 ? Array(1..<match.numberOfRanges) : [0]
        return groups.map { index in
            let range = match.range(at: index)
            return range.location == NSNotFound ? "" : source.substring(with: range)
        }
    }
}

/// The page's files as they are in the source tree: the server sends them unchanged.
func pageHTML() throws -> String { try resourceText("index.html") }
func pageScript() throws -> String { try resourceText("page.js") }
func pageStylesheet() throws -> String { try resourceText("page.css") }

/// The page's markup: the HTML file, which holds no script or style of its own.
func pageMarkup() throws -> String { try pageHTML() }

/// Whether an OpenAPI path template (`/v1/images/{id}.png`) matches a concrete or
/// template-bearing path from the page (`/v1/images/{}.png`).
func template(_ documented: String, matches used: String) -> Bool {
    func normalise(_ path: String) -> String {
        path.replacingOccurrences(of: "\\{[^}]*\\}", with: "{}", options: .regularExpression)
    }
    return normalise(documented) == normalise(used)
}

/// The ids a browser test relies on.
let stableIds = [
    "query", "k", "explain", "results", "file", "drop", "draw", "colours", "shape", "position", "stamp",
    "clear-drawing", "submit-drawing", "caption-k", "upload-preview", "captions", "classification", "error",
    "error-message", "status", "model-info", "metrics", "training-plot", "map-space", "space-status", "pca",
    "heatmap", "heatmap-info", "dataset-summary", "query-hint", "unknown-words", "sketch-panel", "classify-panel",
    "gallery-prev", "gallery-next", "gallery-status", "gallery-items", "pca-caption",
]

final class WebPageTests: XCTestCase {
    func testIsOneHTMLDocument() throws {
        let html = try pageHTML()
        XCTAssertTrue(html.hasPrefix("<!doctype html>"))
        XCTAssertTrue(html.contains("<html lang=\"en\">"))
        XCTAssertTrue(html.contains("<meta charset=\"utf-8\">"))
        XCTAssertTrue(html.contains("<meta name=\"viewport\""), "needs a viewport for phone widths")
        XCTAssertTrue(html.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("</html>"))
        // One stylesheet and one script, each the page's own file; no inline ones.
        XCTAssertEqual(html.components(separatedBy: "<script").count, 2, "one <script>")
        XCTAssertEqual(html.components(separatedBy: "</script>").count, 2, "one </script>")
        XCTAssertTrue(html.contains("<script src=\"/page.js\"></script>"), "the script is /page.js")
        XCTAssertFalse(html.contains("<style"), "inline <style>")
        let stylesheets = try matches(of: "<link\\b[^>]*\\brel=\"stylesheet\"[^>]*>", in: html)
        XCTAssertEqual(stylesheets.map { $0[0] }, ["<link rel=\"stylesheet\" href=\"/page.css\">"])
        // The stylesheet loads in the head, the script at the end of the body, after the markup it drives.
        let head = try XCTUnwrap(html.components(separatedBy: "</head>").first)
        XCTAssertTrue(head.contains("href=\"/page.css\""), "the stylesheet is linked in <head>")
        XCTAssertTrue(
            html.replacingOccurrences(of: "\\s+", with: " ", options: .regularExpression)
                .contains("<script src=\"/page.js\"></script> </body>"), "the script ends the body")
    }

    /// The stylesheet and the script are complete on their own: no markup left in them.
    func testStylesheetAndScriptHoldNoMarkup() throws {
        for (name, text) in [("page.css", try pageStylesheet()), ("page.js", try pageScript())] {
            for tag in ["<style", "</style>", "<script", "</script>", "<html", "<body"] {
                XCTAssertFalse(text.contains(tag), "\(name) contains \(tag)")
            }
        }
        XCTAssertTrue(try pageScript().hasPrefix("'use strict';"), "the script runs in strict mode")
        XCTAssertTrue(try pageStylesheet().hasPrefix(":root {"))
    }

    /// Outside the script and style, every non-void element closes, in order.
    func testMarkupIsBalanced() throws {
        let voids: Set<String> = ["meta", "link", "input", "img", "br", "hr", "source", "area", "base", "col", "wbr"]
        var stack: [String] = []
        for tag in try matches(of: "<(/?)([a-zA-Z][a-zA-Z0-9]*)\\b[^>]*>", in: try pageMarkup()) {
            let closing = tag[0] == "/", name = tag[1].lowercased()
            if voids.contains(name) { continue }
            if closing {
                XCTAssertEqual(stack.last, name, "</\(name)> closes <\(stack.last ?? "nothing")>")
                if stack.last == name { stack.removeLast() }
            } else {
                stack.append(name)
            }
        }
        XCTAssertEqual(stack, [], "unclosed elements")
    }

    func testExposesStableIdsOnce() throws {
        let markup = try pageMarkup()
        let ids = try matches(of: "\\sid=\"([^\"]+)\"", in: markup).map { $0[0] }
        XCTAssertEqual(ids.count, Set(ids).count, "duplicate ids: \(ids)")
        for id in stableIds { XCTAssertTrue(ids.contains(id), "#\(id) missing") }
        // Result cards the script builds carry the classes a test selects on.
        let script = try pageScript()
        for needle in ["class: 'result'", "class: 'caption'", "class: 'rank'", "class: 'score'",
                       "class: 'probability'", "class: 'caption-result'", "'class-' + attr", "class: 'label'"] {
            XCTAssertTrue(script.contains(needle), "script never builds \(needle)")
        }
    }

    func testEveryControlHasALabel() throws {
        let markup = try pageMarkup()
        let labelled = Set(try matches(of: "<label[^>]*\\bfor=\"([^\"]+)\"", in: markup).map { $0[0] })
        for control in try matches(of: "<(input|select|textarea)\\b([^>]*)>", in: markup) {
            let attributes = control[1]
            if attributes.contains("aria-label=") { continue }
            let id = try XCTUnwrap(try matches(of: "\\bid=\"([^\"]+)\"", in: attributes).first?.first, "unnamed control")
            XCTAssertTrue(labelled.contains(id), "#\(id) has no <label for>")
        }
        for button in try matches(of: "<button\\b([^>]*)>(.*?)</button>", in: markup, options: [.dotMatchesLineSeparators]) {
            let text = button[1].trimmingCharacters(in: .whitespacesAndNewlines)
            XCTAssertTrue(!text.isEmpty || button[0].contains("aria-label="), "button without a name")
        }
        // The colour swatches are built in script, each radio with its colour as its name.
        XCTAssertTrue(try pageScript().contains("'aria-label': c[0]"))
    }

    func testLoadsNothingFromElsewhere() throws {
        for (name, text) in [("index.html", try pageHTML()), ("page.css", try pageStylesheet()), ("page.js", try pageScript())] {
            XCTAssertFalse(text.contains("http://"), "absolute http URL in \(name)")
            XCTAssertFalse(text.contains("https://"), "absolute https URL in \(name)")
            XCTAssertFalse(text.contains("@import"), "CSS import in \(name)")
            XCTAssertTrue(
                try matches(of: "(src|href)\\s*=\\s*[\"']//", in: text).isEmpty, "protocol-relative URL in \(name)")
            for url in try matches(of: "url\\(([^)]*)\\)", in: text) {
                XCTAssertTrue(url[0].hasPrefix("data:"), "CSS url(\(url[0])) in \(name)")
            }
            XCTAssertFalse(text.lowercased().contains("@font-face"), "web font in \(name)")
        }
        // Scripts and stylesheets are the page's own, from this origin.
        let html = try pageHTML()
        XCTAssertEqual(try matches(of: "<script\\b[^>]*\\bsrc=\"([^\"]*)\"", in: html).map { $0[0] }, ["/page.js"])
        XCTAssertEqual(try matches(of: "<link\\b[^>]*\\bhref=\"([^\"]*)\"", in: html).map { $0[0] }, ["data:,", "/page.css"])
    }

    /// Every `fetch(` names its URL literally, and each (method, path) is in the OpenAPI document.
    func testEveryFetchIsADocumentedOperation() throws {
        let script = try pageScript()
        let document = try openAPIDocument()
        let paths = try XCTUnwrap(document["paths"] as? [String: Any])
        let calls = script.components(separatedBy: "fetch(").dropFirst()
        XCTAssertGreaterThanOrEqual(calls.count, 9)
        var used: Set<String> = []
        for call in calls {
            // The call's argument list: up to the parenthesis that closes `fetch(`.
            var depth = 1, end = call.startIndex
            while end < call.endIndex, depth > 0 {
                if call[end] == "(" { depth += 1 } else if call[end] == ")" { depth -= 1 }
                end = call.index(after: end)
            }
            let arguments = String(call[call.startIndex..<end])
            let literal = try XCTUnwrap(
                try matches(of: "^\\s*(['\"`])(.*?)\\1", in: arguments).first,
                "fetch( without a literal URL: fetch(\(arguments.prefix(60))")
            var url = literal[1]
            XCTAssertTrue(url.hasPrefix("/"), "not a same-origin path: \(url)")
            if let query = url.firstIndex(of: "?") { url = String(url[..<query]) }
            let usedPath = url.replacingOccurrences(of: "\\$\\{[^}]*\\}", with: "{}", options: .regularExpression)
            let method = try matches(of: "method:\\s*'([A-Za-z]+)'", in: arguments).first?.first?.lowercased() ?? "get"
            let item = paths.first { template($0.key, matches: usedPath) }?.value as? [String: Any]
            XCTAssertNotNil(item?[method], "\(method.uppercased()) \(usedPath) is not in the OpenAPI document")
            used.insert("\(method.uppercased()) \(usedPath)")
        }
        // The page covers the operations the issue asks it to use.
        for expected in [
            "GET /v1/search/images", "POST /v1/search/captions", "POST /v1/classify", "GET /v1/model", "GET /v1/eval",
            "GET /v1/images", "GET /v1/images/{}.png", "POST /v1/embed/text", "POST /v1/embed/image", "GET /readyz",
        ] {
            XCTAssertTrue(used.contains(expected), "the page never calls \(expected)")
        }
        // Links and sources in the markup point at documented paths too.
        for link in try matches(of: "(?:href|src)=\"(/[^\"]*)\"", in: try pageMarkup()) {
            XCTAssertTrue(paths.keys.contains { template($0, matches: link[0]) }, "link to undocumented \(link[0])")
        }
    }

    /// The page sizes itself from the served dataset: 243 appears only as the shapes set's
    /// figures it starts from and as the joint-space map's sample size.
    func testTheScriptKnowsTheGallerySizeOnlyFromTheServer() throws {
        let script = try pageScript()
        XCTAssertEqual(script.components(separatedBy: "243").count - 1, 3, "243 hard-coded beyond the starting values")
        XCTAssertTrue(script.contains("images: 243, captions: 243"))
        XCTAssertTrue(script.contains("MAP_SAMPLE = 243"))
        for needle in ["d.images", "d.captions", "body.total", "unknown_words", "no_attributes"] {
            XCTAssertTrue(script.contains(needle), "the script never reads \(needle)")
        }
    }

    func testDrawsWithTheSpecPalette() throws {
        let script = try pageScript()
        let palette = [("red", "#FF0000"), ("green", "#008000"), ("blue", "#0000FF"), ("yellow", "#FFFF00"),
                       ("pink", "#FFC0CB"), ("brown", "#A52A2A"), ("orange", "#FFA500"), ("purple", "#800080"),
                       ("gray", "#808080")]
        let listed = palette.map { "['\($0.0)', '\($0.1)']" }.joined(separator: ", ")
        XCTAssertTrue(
            script.replacingOccurrences(of: "\n    ", with: " ").contains(listed), "palette differs from docs/MODEL.md")
        XCTAssertTrue(script.contains("'image/png'"), "drawings are sent as PNG")
        XCTAssertTrue(script.contains("toBlob("))
        XCTAssertTrue(try pageStylesheet().contains("image-rendering: pixelated"))
    }

    /// The script file parses (when Node.js is on the machine; the browser test covers it otherwise).
    func testScriptParses() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/node")
            || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/node")
        else { throw XCTSkip("node is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["node", "--check", resourcesFolder.appendingPathComponent("page.js").path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, output)
    }
}
