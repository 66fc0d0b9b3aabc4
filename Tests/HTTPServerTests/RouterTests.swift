import Foundation
import XCTest

@testable import HTTPServer

struct Unexpected: Error {}

/// Decodes `{"error": {"code", "message"}}` the way a client would.
func errorBody(_ response: HTTPResponse, file: StaticString = #filePath, line: UInt = #line) throws -> (code: String, message: String) {
    let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
    let error = try XCTUnwrap(object?["error"] as? [String: Any], "no error object", file: file, line: line)
    return (try XCTUnwrap(error["code"] as? String), try XCTUnwrap(error["message"] as? String))
}

final class RouterTests: XCTestCase {
    private func makeRouter() -> Router {
        let router = Router()
        router.add("GET", "/healthz") { _, _ in .text("ok") }
        router.add("GET", "/v1/images") { _, _ in .text("gallery") }
        router.add("GET", "/v1/images/{id}.png") { _, parameters in
            .text("image \(parameters["id"] ?? "?")", contentType: "image/png")
        }
        router.add("GET", "/v1/images/latest.png") { _, _ in .text("latest") }
        router.add("POST", "/v1/images/{id}/tags/{tag}") { _, parameters in
            .text("\(parameters["id"] ?? "?") \(parameters["tag"] ?? "?")")
        }
        router.add("POST", "/v1/search/images") { request, _ in .text("posted \(request.body.count)") }
        router.add("GET", "/v1/search/images") { request, _ in .text("q=\(request.queryValue("q") ?? "")") }
        router.add("GET", "/fail/http") { _, _ in
            throw HTTPError(400, code: "bad_query", message: "The word \"purple\" is unknown.\nKnown: red, green.")
        }
        router.add("GET", "/fail/other") { _, _ in throw Unexpected() }
        router.add("GET", "/fail/unauthorized") { _, _ in
            throw HTTPError(401, code: "unauthorized", message: "Missing token.", headers: [("WWW-Authenticate", "Bearer")])
        }
        return router
    }

    private func text(_ response: HTTPResponse) -> String { String(decoding: response.body, as: UTF8.self) }

    func testLiteralRoute() {
        let (response, route) = makeRouter().respond(to: HTTPRequest(method: "GET", target: "/healthz"))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(text(response), "ok")
        XCTAssertEqual(route, "/healthz")
        XCTAssertEqual(response.header("content-type"), "text/plain; charset=utf-8")
    }

    func testParameterWithSuffixInsideSegment() {
        let router = makeRouter()
        let (response, route) = router.respond(to: HTTPRequest(method: "GET", target: "/v1/images/17.png"))
        XCTAssertEqual(text(response), "image 17")
        XCTAssertEqual(route, "/v1/images/{id}.png")
        // A literal route is preferred over a parameter route that also matches.
        XCTAssertEqual(text(router.respond(to: HTTPRequest(method: "GET", target: "/v1/images/latest.png")).response), "latest")
        // Suffix missing, empty parameter, or extra segment: not this route.
        XCTAssertEqual(router.respond(to: HTTPRequest(method: "GET", target: "/v1/images/17.jpg")).response.status, 404)
        XCTAssertEqual(router.respond(to: HTTPRequest(method: "GET", target: "/v1/images/.png")).response.status, 404)
        XCTAssertEqual(router.respond(to: HTTPRequest(method: "GET", target: "/v1/images/1/2.png")).response.status, 404)
        // Percent-decoded before matching.
        XCTAssertEqual(text(router.respond(to: HTTPRequest(method: "GET", target: "/v1/images/4%32.png")).response), "image 42")
    }

    func testSeveralParameters() {
        let (response, route) = makeRouter().respond(to: HTTPRequest(method: "POST", target: "/v1/images/3/tags/red"))
        XCTAssertEqual(text(response), "3 red")
        XCTAssertEqual(route, "/v1/images/{id}/tags/{tag}")
    }

    func testUnknownPathIs404JSON() throws {
        let (response, route) = makeRouter().respond(to: HTTPRequest(method: "GET", target: "/nope?x=1"))
        XCTAssertEqual(response.status, 404)
        XCTAssertEqual(route, "unmatched")
        XCTAssertEqual(response.header("Content-Type"), "application/json")
        let error = try errorBody(response)
        XCTAssertEqual(error.code, "not_found")
        XCTAssertTrue(error.message.contains("/nope"))
    }

    func testWrongMethodIs405WithAllow() throws {
        let router = makeRouter()
        let (response, route) = router.respond(to: HTTPRequest(method: "DELETE", target: "/v1/search/images"))
        XCTAssertEqual(response.status, 405)
        XCTAssertEqual(route, "/v1/search/images")
        XCTAssertEqual(response.header("Allow"), "GET, HEAD, POST")
        XCTAssertEqual(try errorBody(response).code, "method_not_allowed")

        let post = router.respond(to: HTTPRequest(method: "POST", target: "/healthz")).response
        XCTAssertEqual(post.status, 405)
        XCTAssertEqual(post.header("allow"), "GET, HEAD")
    }

    func testHeadUsesGetRoute() {
        let (response, route) = makeRouter().respond(to: HTTPRequest(method: "HEAD", target: "/v1/images/5.png"))
        let get = makeRouter().respond(to: HTTPRequest(method: "GET", target: "/v1/images/5.png")).response
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.body, get.body, "the server layer drops the body on the wire, keeping its length")
        XCTAssertEqual(response.header("content-type"), "image/png")
        XCTAssertEqual(route, "/v1/images/{id}.png")
    }

    func testThrownHTTPErrorBecomesEscapedJSON() throws {
        let response = makeRouter().respond(to: HTTPRequest(method: "GET", target: "/fail/http")).response
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(response.header("content-type"), "application/json")
        let error = try errorBody(response)
        XCTAssertEqual(error.code, "bad_query")
        XCTAssertEqual(error.message, "The word \"purple\" is unknown.\nKnown: red, green.")

        let unauthorized = makeRouter().respond(to: HTTPRequest(method: "GET", target: "/fail/unauthorized")).response
        XCTAssertEqual(unauthorized.status, 401)
        XCTAssertEqual(unauthorized.header("www-authenticate"), "Bearer")
    }

    func testErrorJSONEscapesControlCharacters() throws {
        let message = "tab\there \\ back\u{01}slash \u{2028} ünïcödé 🎨"
        let response = HTTPError(400, code: "x\"y", message: message).response
        let error = try errorBody(response)
        XCTAssertEqual(error.code, "x\"y")
        XCTAssertEqual(error.message, message)
    }

    func testOtherErrorBecomes500() throws {
        let (response, route) = makeRouter().respond(to: HTTPRequest(method: "GET", target: "/fail/other"))
        XCTAssertEqual(response.status, 500)
        XCTAssertEqual(route, "/fail/other")
        XCTAssertEqual(try errorBody(response).code, "internal_error")
    }
}
