import XCTest

@testable import HTTPServer

final class MultipartTests: XCTestCase {
    /// A PNG-like payload that contains CRLF, "\r\n--" and a prefix of the boundary.
    private let payload: [UInt8] =
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array("\r\n--".utf8) + [0x00, 0xFF]
        + Array("\r\n------------------------d74496d66958873e\r\nX".utf8)  // two dashes short of a delimiter
        + Array("\r\n--------------------------d74496d66958873eZZ".utf8)  // the delimiter followed by more: still data
        + [0x0D, 0x0A, 0x0D]

    private func curlBody(boundary: String) -> [UInt8] {
        var body: [UInt8] = []
        body += Array("preamble is ignored\r\n".utf8)
        body += Array("--\(boundary)\r\n".utf8)
        body += Array("Content-Disposition: form-data; name=\"image\"; filename=\"x;y.png\"\r\n".utf8)
        body += Array("Content-Type: image/png\r\n\r\n".utf8)
        body += payload
        body += Array("\r\n--\(boundary)\r\n".utf8)
        body += Array("content-disposition: form-data; name=candidates\r\n\r\nred circle".utf8)
        body += Array("\r\n--\(boundary)\r\n".utf8)
        body += Array("Content-Disposition: form-data; name=\"candidates\"\r\n\r\n".utf8)
        body += Array("\r\n--\(boundary)\r\n".utf8)
        body += Array("Content-Disposition: form-data; name=\"doc\"; filename=\"a.txt\"; filename*=UTF-8''%C3%A9t%C3%A9.txt\r\n\r\nsummer".utf8)
        body += Array("\r\n--\(boundary)--\r\nepilogue is ignored".utf8)
        return body
    }

    func testCurlStyleBody() throws {
        let boundary = "------------------------d74496d66958873e"
        let parts = try MultipartFormData.parse(
            body: curlBody(boundary: boundary), contentType: "multipart/form-data; boundary=\(boundary)")
        XCTAssertEqual(parts.count, 4)
        XCTAssertEqual(parts[0].name, "image")
        XCTAssertEqual(parts[0].filename, "x;y.png")
        XCTAssertEqual(parts[0].contentType, "image/png")
        XCTAssertEqual(parts[0].data, payload)
        XCTAssertEqual(parts[1].name, "candidates")
        XCTAssertEqual(parts[1].text, "red circle")
        XCTAssertNil(parts[1].filename)
        XCTAssertNil(parts[1].contentType)
        XCTAssertEqual(parts[2].name, "candidates")
        XCTAssertEqual(parts[2].data, [])
        XCTAssertEqual(parts[3].filename, "été.txt")
        XCTAssertEqual(parts[3].text, "summer")
    }

    func testQuotedBoundaryWithSemicolon() throws {
        let boundary = "a;b c"
        let body = Array("--a;b c\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nvalue\r\n--a;b c--".utf8)
        let parts = try MultipartFormData.parse(body: body, contentType: "multipart/form-data; charset=utf-8; boundary=\"\(boundary)\"")
        XCTAssertEqual(parts.map(\.name), ["f"])
        XCTAssertEqual(parts[0].text, "value")
    }

    private func assertRejected(
        _ body: String, contentType: String = "multipart/form-data; boundary=XX", mentions: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try MultipartFormData.parse(body: Array(body.utf8), contentType: contentType), file: file, line: line) {
            error in
            guard let error = error as? HTTPError else {
                return XCTFail("not an HTTPError: \(error)", file: file, line: line)
            }
            XCTAssertEqual(error.status, 400, file: file, line: line)
            XCTAssertEqual(error.code, "bad_multipart", file: file, line: line)
            XCTAssertTrue(
                error.message.lowercased().contains(mentions.lowercased()), "message: \(error.message)", file: file,
                line: line)
        }
    }

    func testBoundaryProblems() {
        let body = "--XX\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--XX--"
        assertRejected(body, contentType: "multipart/form-data", mentions: "no boundary")
        assertRejected(body, contentType: "multipart/form-data; boundary=\"\"", mentions: "empty")
        assertRejected(body, contentType: "multipart/form-data; boundary=", mentions: "empty")
        assertRejected(
            body, contentType: "multipart/form-data; boundary=" + String(repeating: "b", count: 71), mentions: "longer than 70")
        assertRejected(body, contentType: "application/json", mentions: "multipart/form-data")
        assertRejected(body, contentType: "multipart/form-data; boundary=YY", mentions: "does not contain the boundary")
    }

    func testNoParts() {
        assertRejected("--XX--\r\n", mentions: "no parts")
    }

    func testTruncatedBody() {
        assertRejected("--XX\r\nContent-Disposition: form-data; name=a\r\n\r\n12345", mentions: "truncated")
        assertRejected("--XX\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--XX", mentions: "closing")
        assertRejected("--XX\r\nContent-Disposition: form-data; name=a\r\n", mentions: "not terminated")
    }

    func testPartWithoutDispositionOrName() {
        assertRejected("--XX\r\nContent-Type: text/plain\r\n\r\n1\r\n--XX--", mentions: "no Content-Disposition")
        assertRejected("--XX\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\n1\r\n--XX--", mentions: "no name")
        assertRejected("--XX\r\nContent-Disposition: attachment; name=a\r\n\r\n1\r\n--XX--", mentions: "expected form-data")
    }

    func testMalformedHeaders() {
        assertRejected("--XX\r\nContent-Disposition form-data; name=a\r\n\r\n1\r\n--XX--", mentions: "malformed header")
        assertRejected("--XX\r\n continued\r\n\r\n1\r\n--XX--", mentions: "continuation")
        assertRejected("--XXjunk\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--XX--", mentions: "CRLF")
        assertRejected(
            "--XX\r\nContent-Disposition: form-data; name=a; filename*=bogus\r\n\r\n1\r\n--XX--", mentions: "filename*")
    }

    func testBareLFIsNotADelimiterLine() {
        // Delimiters must follow CRLF: LF-only bodies do not contain a valid closing boundary.
        assertRejected("--XX\nContent-Disposition: form-data; name=a\n\n1\n--XX--", mentions: "CRLF")
    }
}
