import Foundation
import ImageIO
import Datasets
import TestSupport
import XCTest

/// Real answers of every endpoint, successes and errors, validated against the response
/// schemas of the `/openapi.json` the server itself serves (PyPI `openapi-schema-validator`,
/// one batch run of Tests/EndToEndTests/validate_responses.py).
final class ContractEndToEndTests: XCTestCase {
    struct Recorded {
        let label: String
        let method: String
        let template: String
        let reply: Reply
    }

    func testEveryEndpointAnswersAsTheDocumentSays() throws {
        let fixture = try Fixture.shared()
        let client = fixture.server.client
        let port = client.port
        var recorded: [Recorded] = []
        func record(_ label: String, _ method: String, _ template: String, _ reply: Reply) {
            recorded.append(Recorded(label: label, method: method, template: template, reply: reply))
        }
        func json(_ method: String, _ target: String, _ body: String, type: String = "application/json") throws -> Reply {
            try RawHTTP.request(port: port, method, target, headers: [("Content-Type", type)], body: Array(body.utf8))
        }
        let png = PNGs.canonical(109)
        let auth = [("Authorization", "Bearer \(fixture.adminToken)")]

        // Answered while the fixture's server was still training.
        let early: [(String, String, String)] = [
            ("healthz", "GET", "/healthz"), ("livez", "GET", "/livez"), ("readyz", "GET", "/readyz"),
            ("readyz_verbose", "GET", "/readyz"), ("search", "GET", "/v1/search/images"),
            ("captions", "POST", "/v1/search/captions"), ("metrics", "GET", "/metrics"),
        ]
        for (name, method, template) in early {
            record("before ready: \(name)", method, template, try XCTUnwrap(fixture.beforeReady[name], name))
        }

        // Health and documents.
        for path in ["/healthz", "/livez", "/readyz", "/readyz?verbose", "/readyz?verbose=false", "/metrics", "/openapi.json", "/", "/page.css", "/page.js"] {
            let template = String(path.split(separator: "?").first ?? "")
            record(path, "GET", template, try client.get(path))
            record(path, "HEAD", template, try RawHTTP.request(port: port, "HEAD", path))
        }

        // Text → image.
        let search = "/v1/search/images"
        for target in [
            "?q=pink+circle+top", "?q=red&k=243", "?q=pink+circle+top&k=3&explain=true", "?q=teal", "", "?q=",
            "?q=red&k=0", "?q=red&k=abc", "?q=red&explain=maybe", "?q=" + String(repeating: "red+", count: 80),
            "?q=red+red+red+red+red+red+red+red+red",
        ] {
            record("GET search \(target.prefix(40))", "GET", search, try client.get(search + target))
        }
        record("HEAD search", "HEAD", search, try RawHTTP.request(port: port, "HEAD", search + "?q=red"))
        record("HEAD search 400", "HEAD", search, try RawHTTP.request(port: port, "HEAD", search + "?q=teal"))
        for body in [
            #"{"q": "pink circle top", "k": 2}"#, #"{"q": "red", "explain": true}"#,
            #"{"queries": ["red", "blue square"], "k": 3, "explain": true}"#, #"{"q": "teal"}"#, "{",
            "[1, 2]", #"{"q": "red", "queries": ["red"]}"#, "{}", #"{"q": 5}"#, #"{"q": "red", "extra": 1}"#,
            #"{"queries": []}"#, #"{"queries": [\#(Array(repeating: "\"red\"", count: 65).joined(separator: ","))]}"#,
        ] {
            record("POST search \(body.prefix(40))", "POST", search, try json("POST", search, body))
        }
        record("POST search text/plain", "POST", search, try json("POST", search, #"{"q": "red"}"#, type: "text/plain"))
        record(
            "POST search no type", "POST", search,
            try RawHTTP.request(port: port, "POST", search, body: Array(#"{"q": "red"}"#.utf8)))
        record(
            "POST search over limit", "POST", search,
            try RawHTTP.request(
                port: port, "POST", search, headers: [("Content-Type", "application/json")],
                body: [UInt8](repeating: 32, count: Fixture.maxBodyBytes + 1)))
        record("DELETE search", "DELETE", search, try RawHTTP.request(port: port, "DELETE", search))

        // Image → text, classify, caption, embed image: raw, multipart, candidates, and bad uploads.
        for path in ["/v1/search/captions", "/v1/classify", "/v1/caption", "/v1/embed/image"] {
            record("\(path) raw", "POST", path, try client.post(path, contentType: "image/png", body: png))
            record("\(path) form", "POST", path, try client.postForm(path, fields: [], file: ("image", png)))
            record("\(path) not png", "POST", path, try client.post(path, contentType: "image/png", body: Array("GIF89a".utf8)))
            record("\(path) empty", "POST", path, try client.post(path, contentType: "image/png", body: []))
            record("\(path) truncated", "POST", path, try client.post(path, contentType: "image/png", body: PNGs.truncated()))
            record("\(path) corrupt", "POST", path, try client.post(path, contentType: "image/png", body: PNGs.corruptCRC()))
            record(
                "\(path) huge", "POST", path,
                try client.post(path, contentType: "image/png", body: PNGs.header(claimingSide: 100_000)))
            record("\(path) text/plain", "POST", path, try client.post(path, contentType: "text/plain", body: png))
            record("\(path) no type", "POST", path, try client.post(path, contentType: nil, body: png))
            record(
                "\(path) bad multipart", "POST", path,
                try client.post(path, contentType: "multipart/form-data; boundary=x", body: Array("--x\r\nbroken".utf8)))
            record("\(path) form without file", "POST", path, try client.postForm(path, fields: [("a", "b")], file: nil))
            record("GET \(path)", "GET", path, try client.get(path))
        }
        for target in ["?beam=5&n=5", "?beam=1&max_words=2", "?beam=0", "?n=7", "?max_words=abc"] {
            record("caption \(target)", "POST", "/v1/caption", try client.post("/v1/caption" + target, contentType: "image/png", body: png))
        }
        let captions = "/v1/search/captions"
        for target in ["?candidates=red&candidates=pink&candidates=gray&k=2", "?candidates=unicorn", "?k=0", "?k=243"] {
            record("captions \(target)", "POST", captions, try client.post(captions + target, contentType: "image/png", body: png))
        }
        record(
            "captions form candidates", "POST", captions,
            try client.postForm(captions, fields: [("candidates", "circle"), ("candidates", "square"), ("k", "1")], file: ("image", png)))
        let tooMany = (0...256).map { _ in "candidates=red" }.joined(separator: "&")
        record("captions 257 candidates", "POST", captions, try client.post(captions + "?" + tooMany, contentType: "image/png", body: png))

        // Embed text.
        let embed = "/v1/embed/text"
        for body in [#"{"text": "pink circle top"}"#, #"{"texts": ["red", "green square"]}"#, #"{"text": "teal"}"#, "{}", #"{"text": 1}"#, "nope"] {
            record("embed \(body)", "POST", embed, try json("POST", embed, body))
        }

        // Gallery.
        record("images", "GET", "/v1/images", try client.get("/v1/images"))
        for target in ["?limit=5", "?offset=240&limit=10", "?offset=243", "?limit=0", "?offset=-1", "?limit=2&limit=3"] {
            record("images \(target)", "GET", "/v1/images", try client.get("/v1/images" + target))
        }
        record("HEAD images", "HEAD", "/v1/images", try RawHTTP.request(port: port, "HEAD", "/v1/images"))
        let image = "/v1/images/{id}.png"
        let found = try client.get("/v1/images/109.png")
        record("image 109", "GET", image, found)
        record("image 304", "GET", image, try client.get("/v1/images/109.png", headers: [("If-None-Match", found.header("ETag") ?? "")]))
        record("image 243", "GET", image, try client.get("/v1/images/243.png"))
        record("image abc", "GET", image, try client.get("/v1/images/abc.png"))
        record("HEAD image", "HEAD", image, try RawHTTP.request(port: port, "HEAD", "/v1/images/1.png"))
        record("HEAD image 404", "HEAD", image, try RawHTTP.request(port: port, "HEAD", "/v1/images/999.png"))
        record("PUT image", "PUT", image, try RawHTTP.request(port: port, "PUT", "/v1/images/1.png"))

        // Model and evaluation.
        for path in ["/v1/model", "/v1/eval"] {
            record(path, "GET", path, try client.get(path))
            record("HEAD \(path)", "HEAD", path, try RawHTTP.request(port: port, "HEAD", path))
            record("POST \(path)", "POST", path, try RawHTTP.request(port: port, "POST", path))
        }

        // Admin reload: no token, wrong scheme, wrong token, the right one.
        let reload = "/v1/admin/reload"
        record("reload no token", "POST", reload, try RawHTTP.request(port: port, "POST", reload))
        record("reload basic", "POST", reload, try RawHTTP.request(port: port, "POST", reload, headers: [("Authorization", "Basic eDp5")]))
        record("reload wrong", "POST", reload, try RawHTTP.request(port: port, "POST", reload, headers: [("Authorization", "Bearer nope")]))
        record("reload", "POST", reload, try RawHTTP.request(port: port, "POST", reload, headers: auth))
        record("GET reload", "GET", reload, try client.get(reload))

        // A failed reload (409) on a server of its own, and reload off (404) without a token.
        let (broken, weights) = try fixture.startLoadingServer(extra: ["--admin-token", "t0ken"])
        try Data("not safetensors".utf8).write(to: weights)
        record(
            "reload bad file", "POST", reload,
            try RawHTTP.request(port: broken.port, "POST", reload, headers: [("Authorization", "Bearer t0ken")]))
        broken.stop()
        let (plain, _) = try fixture.startLoadingServer()
        record("reload off", "POST", reload, try RawHTTP.request(port: plain.port, "POST", reload))
        plain.stop()

        XCTAssertTrue(Set(recorded.map(\.reply.status)).isSuperset(of: [200, 304, 400, 401, 403, 404, 405, 409, 413, 415, 503]))
        XCTAssertFalse(fixture.server.stderr.contains(fixture.adminToken), "the admin token reached the log")
        try Self.validate(recorded, document: try client.get("/openapi.json").body)
    }

    /// One Python run over every recorded response, against `document` (the served one).
    static func validate(_ recorded: [Recorded], document bytes: [UInt8]) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nanovlm-contract-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let document = directory.appendingPathComponent("openapi.json")
        try Data(bytes).write(to: document)
        var lines: [String] = []
        for entry in recorded {
            let isText = entry.reply.header("Content-Type").map { !$0.hasPrefix("image/") } ?? true
            let object: [String: Any] = [
                "label": entry.label, "method": entry.method, "template": entry.template, "status": entry.reply.status,
                "content_type": entry.reply.header("Content-Type") ?? NSNull(),
                "body": entry.reply.body.isEmpty ? NSNull() : (isText ? entry.reply.text : "<binary>"),
            ]
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))
        }
        let responses = directory.appendingPathComponent("responses.jsonl")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: responses)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("validate_responses.py")
        let run = try runPython([script.path, document.path, responses.path])
        XCTAssertEqual(run.status, 0, run.transcript)
        XCTAssertTrue(run.output.contains("\(recorded.count) responses checked, 0 mismatches"), run.transcript)
    }
}
