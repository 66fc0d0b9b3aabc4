import XCTest

@testable import HTTPServer

final class RequestTests: XCTestCase {
    func testPercentDecodingAndPlus() {
        let request = HTTPRequest(method: "GET", target: "/v1/search/images?q=pink+circle%20top&k=5&x=%C3%A9")
        XCTAssertEqual(request.path, "/v1/search/images")
        XCTAssertEqual(request.queryValue("q"), "pink circle top")
        XCTAssertEqual(request.queryValue("k"), "5")
        XCTAssertEqual(request.queryValue("x"), "é")
        XCTAssertNil(request.queryValue("missing"))
    }

    func testRepeatedNamesKeepOrder() {
        let request = HTTPRequest(method: "GET", target: "/c?candidates=red+circle&k=2&candidates=blue%2Bsquare&candidates=")
        XCTAssertEqual(request.queryValues("candidates"), ["red circle", "blue+square", ""])
        XCTAssertEqual(request.queryValue("candidates"), "red circle")
        XCTAssertEqual(request.query.map(\.name), ["candidates", "k", "candidates", "candidates"])
    }

    func testEmptyValuesAndBareNames() {
        let request = HTTPRequest(method: "GET", target: "/readyz?verbose&a=&&b=1=2")
        XCTAssertEqual(request.query.count, 3)
        XCTAssertEqual(request.queryValue("verbose"), "")
        XCTAssertEqual(request.queryValue("a"), "")
        XCTAssertEqual(request.queryValue("b"), "1=2")
    }

    /// Invalid escapes are kept literally (documented choice: forgiving, never a 400 here).
    func testInvalidPercentEscapesAreKeptLiterally() {
        let request = HTTPRequest(method: "GET", target: "/p%zz%4?q=100%25+%&r=%g1%41")
        XCTAssertEqual(request.path, "/p%zz%4")
        XCTAssertEqual(request.queryValue("q"), "100% %")
        XCTAssertEqual(request.queryValue("r"), "%g1A")
    }

    func testPathDecodingDoesNotTreatPlusAsSpace() {
        let request = HTTPRequest(method: "GET", target: "/a+b/c%20d#fragment")
        XCTAssertEqual(request.path, "/a+b/c d")
        XCTAssertTrue(request.query.isEmpty)
    }

    func testAbsoluteFormTarget() {
        let request = HTTPRequest(method: "GET", target: "http://example.com:8080/healthz?x=1")
        XCTAssertEqual(request.path, "/healthz")
        XCTAssertEqual(request.queryValue("x"), "1")
    }

    func testHeadersAreCaseInsensitiveAndContentTypeIsTheMediaType() {
        let request = HTTPRequest(
            method: "POST", path: "/", headers: ["Content-Type": "Multipart/Form-Data; boundary=\"a;b\"", "X-Thing": "1"])
        XCTAssertEqual(request.header("x-thing"), "1")
        XCTAssertEqual(request.header("X-THING"), "1")
        XCTAssertEqual(request.contentType, "multipart/form-data")
        XCTAssertNil(HTTPRequest(method: "GET", path: "/").contentType)
    }

    func testHeaderDictionaryJoinsRepeatedFields() {
        let request = HTTPRequest(
            method: "GET", target: "/", lowercasedHeaderFields: [("accept", "a"), ("host", "x"), ("accept", "b")], body: [])
        XCTAssertEqual(request.header("Accept"), "a, b")
        XCTAssertEqual(request.headers, ["accept": "a, b", "host": "x"])
    }

    /// A response taken from a prepared one is answered through it only while unchanged.
    func testChangingAPreparedResponseDropsThePreparedCopy() {
        let prepared = PreparedResponse(.json(Array("{}".utf8)))
        XCTAssertNotNil(HTTPResponse(prepared).prepared)
        var status = HTTPResponse(prepared)
        status.status = 201
        var headers = HTTPResponse(prepared)
        headers.headers.append(("X", "1"))
        var body = HTTPResponse(prepared)
        body.body.append(0x20)
        for changed in [status, headers, body] { XCTAssertNil(changed.prepared) }
    }
}
