import Foundation
import HTTPServer
import ImageIO
import Logging
import NanoVLM
import Datasets
import XCTest

@testable import NanoVLMService

/// The API answered through the router, without a socket, on an untrained model: shapes,
/// validation and error statuses don't depend on how well the model ranks.
final class InProcessAPITests: XCTestCase {
    static let loaded: LoadedModel = {
        var configuration = AppConfiguration()
        configuration.minGalleryR1 = 0
        let model = DualEncoder(config: ModelConfiguration(), vocabularySize: ShapesVocabulary.tokens.count)
        // `prepare` with a zero floor cannot fail.
        return (try? ModelLoader.prepare(
            Checkpoint(model: model), source: .loadedFromFile, path: "untrained", configuration: configuration,
            readiness: nil))!
    }()

    func makeAPI(ready: Bool, adminToken: String = "") -> ServiceAPI {
        var configuration = AppConfiguration()
        configuration.server.adminToken = adminToken
        let state = ServiceState(configuration: configuration, logger: Logger(label: "test"))
        if ready { state.install(Self.loaded) }
        return ServiceAPI(state: state)
    }

    func json(_ response: HTTPResponse) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    func errorCode(_ response: HTTPResponse) throws -> String? {
        (try json(response)["error"] as? [String: Any])?["code"] as? String
    }

    func testModelEndpointsAnswer503WithRetryAfterBeforeReady() throws {
        let api = makeAPI(ready: false)
        for request in [
            HTTPRequest(method: "GET", target: "/v1/search/images?q=red"),
            HTTPRequest(method: "GET", target: "/v1/model"),
            HTTPRequest(method: "POST", target: "/v1/classify", headers: ["Content-Type": "image/png"]),
        ] {
            let response = api.handle(request)
            XCTAssertEqual(response.status, 503, request.path)
            XCTAssertEqual(response.header("Retry-After"), "5")
            XCTAssertEqual(try errorCode(response), "not_ready")
        }
        XCTAssertEqual(api.handle(HTTPRequest(method: "GET", target: "/healthz")).status, 200)
        XCTAssertEqual(api.handle(HTTPRequest(method: "GET", target: "/readyz")).status, 503)
        XCTAssertEqual(api.handle(HTTPRequest(method: "GET", target: "/v1/images")).status, 200)
    }

    func testKMustBeAnIntegerFrom1To243() throws {
        let api = makeAPI(ready: true)
        for k in ["0", "244", "abc", "1.5", "-3", ""] {
            let response = api.handle(HTTPRequest(method: "GET", target: "/v1/search/images?q=red&k=\(k)"))
            XCTAssertEqual(response.status, 400, "k=\(k)")
            XCTAssertEqual(try errorCode(response), "invalid_k")
        }
        for k in [1, 243] {
            let response = api.handle(HTTPRequest(method: "GET", target: "/v1/search/images?q=red&k=\(k)"))
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual((try json(response)["results"] as? [Any])?.count, k)
        }
    }

    func testStrictJSONBodiesNameTheField() throws {
        let api = makeAPI(ready: true)
        func post(_ body: String, type: String? = "application/json") -> HTTPResponse {
            api.handle(
                HTTPRequest(
                    method: "POST", target: "/v1/search/images", headers: type.map { ["Content-Type": $0] } ?? [:],
                    body: Array(body.utf8)))
        }
        XCTAssertEqual(post(#"{"q": "red"#).status, 400)
        let unknown = post(#"{"q": "red", "limit": 3}"#)
        XCTAssertEqual(unknown.status, 400)
        XCTAssertTrue(String(decoding: unknown.body, as: UTF8.self).contains("limit"))
        let wrongType = post(#"{"q": "red", "k": "3"}"#)
        XCTAssertEqual(wrongType.status, 400)
        XCTAssertTrue(String(decoding: wrongType.body, as: UTF8.self).contains("\\\"k\\\""))
        XCTAssertEqual(post(#"{"k": 3}"#).status, 400)
        XCTAssertEqual(post(#"["red"]"#).status, 400)
        XCTAssertEqual(post(#"{"q": "red"}"#, type: "text/plain").status, 415)
        XCTAssertEqual(post(#"{"q": "red"}"#, type: nil).status, 415)
        let batch = "{\"queries\": [" + Array(repeating: "\"red\"", count: 65).joined(separator: ",") + "]}"
        XCTAssertEqual(post(batch).status, 400)
        XCTAssertEqual(post(#"{"q": "red", "queries": ["blue"]}"#).status, 400)
        XCTAssertEqual(post(#"{"q": "red", "k": 2, "explain": true}"#).status, 200)
    }

    func testExplanationsSumToTheScore() throws {
        let api = makeAPI(ready: true)
        let response = api.handle(HTTPRequest(method: "GET", target: "/v1/search/images?q=pink+circle+top&k=10&explain=true"))
        let results = try XCTUnwrap(try json(response)["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 10)
        for result in results {
            let score = try XCTUnwrap(result["score"] as? Double)
            let explanation = try XCTUnwrap(result["explanation"] as? [String: Any])
            let words = try XCTUnwrap(explanation["words"] as? [[String: Any]])
            XCTAssertEqual(words.compactMap { $0["word"] as? String }, ["pink", "circle", "top"])
            let total = words.compactMap { $0["contribution"] as? Double }.reduce(0, +) + (explanation["bias"] as? Double ?? .nan)
            XCTAssertEqual(total, score, accuracy: 1e-5)
        }
    }

    func testAdminReloadIsAbsentWithoutATokenAndGuardedWithOne() throws {
        XCTAssertEqual(makeAPI(ready: true).handle(HTTPRequest(method: "POST", target: "/v1/admin/reload")).status, 404)
        let api = makeAPI(ready: true, adminToken: "s3cret")
        let missing = api.handle(HTTPRequest(method: "POST", target: "/v1/admin/reload"))
        XCTAssertEqual(missing.status, 401)
        XCTAssertNotNil(missing.header("WWW-Authenticate"))
        let wrong = api.handle(
            HTTPRequest(method: "POST", target: "/v1/admin/reload", headers: ["Authorization": "Bearer s3cre"]))
        XCTAssertEqual(wrong.status, 403)
        XCTAssertTrue(ServiceAPI.constantTimeEquals("abc", "abc"))
        XCTAssertFalse(ServiceAPI.constantTimeEquals("abc", "abd"))
        XCTAssertFalse(ServiceAPI.constantTimeEquals("abc", "abcd"))
        XCTAssertFalse(ServiceAPI.constantTimeEquals("", "a"))
    }

    func testGalleryImagesAreCacheableAndUnknownIdsAre404() throws {
        let api = makeAPI(ready: false)
        let image = api.handle(HTTPRequest(method: "GET", target: "/v1/images/17.png"))
        XCTAssertEqual(image.status, 200)
        XCTAssertEqual(image.header("Content-Type"), "image/png")
        XCTAssertEqual(try PNGCodec.decode(image.body), Renderer.canonical(17))
        let etag = try XCTUnwrap(image.header("ETag"))
        let cached = api.handle(HTTPRequest(method: "GET", target: "/v1/images/17.png", headers: ["If-None-Match": etag]))
        XCTAssertEqual(cached.status, 304)
        for id in ["243", "-1", "abc", "+5", "99999999999999999999"] {
            XCTAssertEqual(api.handle(HTTPRequest(method: "GET", target: "/v1/images/\(id).png")).status, 404, id)
        }
    }

    func testTheShapesGalleryIsTheBareArrayUnlessPagedAndKeepsItsFields() throws {
        for ready in [false, true] {
            let api = makeAPI(ready: ready)
            let bare = api.handle(HTTPRequest(method: "GET", target: "/v1/images"))
            let items = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bare.body)) as? [[String: Any]])
            XCTAssertEqual(items.count, 243)
            XCTAssertEqual(Set(items[109].keys), ["id", "caption", "colour", "shape", "position", "split"])
            XCTAssertEqual(items[109]["caption"] as? String, "pink circle top")

            let page = try json(api.handle(HTTPRequest(method: "GET", target: "/v1/images?offset=240")))
            XCTAssertEqual(page["total"] as? Int, 243)
            XCTAssertEqual(page["offset"] as? Int, 240)
            let tail = try XCTUnwrap(page["items"] as? [[String: Any]])
            XCTAssertEqual(tail.map { $0["id"] as? Int }, [240, 241, 242])
            XCTAssertEqual(tail.map { $0["caption"] as? String }, (240..<243).map { ShapesDataset().caption(of: $0) })
            let first = try json(api.handle(HTTPRequest(method: "GET", target: "/v1/images?limit=2")))
            XCTAssertEqual((first["items"] as? [[String: Any]])?.map { $0["id"] as? Int }, [0, 1])
            let defaults = try json(api.handle(HTTPRequest(method: "GET", target: "/v1/images?offset=0")))
            XCTAssertEqual((defaults["items"] as? [Any])?.count, 100, "limit 100 by default")
            XCTAssertEqual(api.handle(HTTPRequest(method: "GET", target: "/v1/images?limit=0")).status, 400)
        }
    }

    /// The decoder answers from several request threads at once (each takes its own generator
    /// from the pool), the same caption for the same image, and refuses bad settings by name.
    func testCaptionsFromConcurrentRequestsAgree() throws {
        let api = makeAPI(ready: true)
        let png = try PNGCodec.encode(Renderer.canonical(42))
        func request(_ query: String) -> HTTPRequest {
            HTTPRequest(method: "POST", target: "/v1/caption" + query, headers: ["Content-Type": "image/png"], body: png)
        }
        let first = try json(api.handle(request("?beam=4&n=4")))
        let alternatives = try XCTUnwrap(first["alternatives"] as? [[String: Any]])
        XCTAssertEqual(alternatives.count, 4)
        let lock = NSLock()
        var answers: [String] = []
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let body = try? json(api.handle(request("?beam=4&n=4")))
            lock.withLock { answers.append(body?["caption"] as? String ?? "none") }
        }
        XCTAssertEqual(Set(answers), [try XCTUnwrap(first["caption"] as? String)])
        for query in ["?beam=9", "?n=5&beam=4", "?max_words=16"] {
            let response = api.handle(request(query))
            XCTAssertEqual(response.status, 400, query)
            XCTAssertEqual(try errorCode(response), "invalid_parameter", query)
        }
    }

    func testShapesCaptionSearchAnswersAsBeforeAndTheModelNamesItsDataset() throws {
        let api = makeAPI(ready: true)
        let png = try PNGCodec.encode(Renderer.canonical(109))
        let response = api.handle(
            HTTPRequest(
                method: "POST", target: "/v1/search/captions?k=243", headers: ["Content-Type": "image/png"], body: png))
        let results = try XCTUnwrap(try json(response)["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 243)
        for result in results {
            let id = try XCTUnwrap(result["id"] as? Int)
            XCTAssertEqual(result["caption"] as? String, ShapesDataset().caption(of: id), "a shapes caption is its item's")
            XCTAssertEqual(result["image_url"] as? String, "/v1/images/\(id).png")
        }
        XCTAssertEqual(
            api.handle(
                HTTPRequest(
                    method: "POST", target: "/v1/search/captions?k=244", headers: ["Content-Type": "image/png"], body: png)
            ).status, 400)
        XCTAssertNil(try json(api.handle(HTTPRequest(method: "GET", target: "/v1/search/images?q=red")))["unknown_words"])

        let dataset = try XCTUnwrap(try json(api.handle(HTTPRequest(method: "GET", target: "/v1/model")))["dataset"] as? [String: Any])
        XCTAssertEqual(dataset["source"] as? String, "shapes")
        XCTAssertEqual(dataset["images"] as? Int, 243)
        XCTAssertEqual(dataset["captions"] as? Int, 243)
        XCTAssertEqual(dataset["vocabulary"] as? Int, 21)
        XCTAssertTrue(dataset["sha256"] is NSNull, "null for a generated set")
        XCTAssertEqual(dataset["skipped"] as? Int, 0)
    }
}
