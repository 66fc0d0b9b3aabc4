import Datasets
import Foundation
import ImageIO
import TestSupport
import XCTest

/// JPEG uploads over HTTP to the real binary: raw and multipart, a PNG sent as a JPEG, and
/// the refusals with their statuses and messages.
final class JPEGEndToEndTests: XCTestCase {
    var client: Client!

    override func setUpWithError() throws {
        client = try Fixture.shared().server.client
    }

    /// A canonical render as a JPEG, 4:4:4 at quality 95 so that the colours survive.
    static func jpeg(_ id: Int) throws -> [UInt8] {
        try JPEGCodec.encode(Renderer.canonical(id), quality: 95, subsampling: .chroma444)
    }

    func results(_ reply: Reply, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        XCTAssertEqual(reply.status, 200, reply.text, file: file, line: line)
        return try XCTUnwrap(try reply.object()["results"] as? [[String: Any]], file: file, line: line)
    }

    func testRawAndMultipartJPEGsRankTheirCaptionFirst() throws {
        for id in [0, 17, 109, 242] {
            let jpeg = try Self.jpeg(id)
            XCTAssertEqual(ImageDecoding.format(of: jpeg), .jpeg)
            let raw = try client.post("/v1/search/captions?k=3", contentType: "image/jpeg", body: jpeg)
            let rawHits = try results(raw)
            XCTAssertEqual(rawHits.first?["id"] as? Int, id, "\(rawHits)")
            let query = try XCTUnwrap(try raw.object()["query"] as? [String: Any])
            XCTAssertEqual(query["type"] as? String, "image/jpeg")
            XCTAssertEqual(query["bytes"] as? Int, jpeg.count)

            let form = try client.postForm(
                "/v1/search/captions?k=3", fields: [], file: ("image", jpeg), fileType: "image/jpeg",
                fileName: "\(id).jpg")
            XCTAssertEqual(try results(form).first?["id"] as? Int, id)
        }
    }

    func testJPEGEmbeddingIsCloseToThePNGs() throws {
        let png = PNGs.canonical(109)
        let jpeg = try Self.jpeg(109)
        func embedding(_ reply: Reply) throws -> [Double] {
            XCTAssertEqual(reply.status, 200, reply.text)
            return try XCTUnwrap(try reply.object()["embedding"] as? [Double])
        }
        let fromPNG = try embedding(try client.post("/v1/embed/image", contentType: "image/png", body: png))
        let fromJPEG = try embedding(try client.post("/v1/embed/image", contentType: "image/jpeg", body: jpeg))
        let fromForm = try embedding(
            try client.postForm(
                "/v1/embed/image", fields: [], file: ("image", jpeg), fileType: "image/jpeg", fileName: "x.jpg"))
        XCTAssertEqual(fromJPEG, fromForm)
        let cosine = zip(fromPNG, fromJPEG).map { $0 * $1 }.reduce(0, +)
        XCTAssertGreaterThan(cosine, 0.98, "the same picture through JPEG")
    }

    func testTheSignatureDecidesNotTheDeclaredType() throws {
        // A PNG declared as a JPEG (and named .jpg in a form) is read as the PNG it is.
        let png = PNGs.canonical(17)
        let raw = try client.post("/v1/search/captions?k=1", contentType: "image/jpeg", body: png)
        XCTAssertEqual(try results(raw).first?["id"] as? Int, 17)
        XCTAssertEqual((try raw.object()["query"] as? [String: Any])?["type"] as? String, "image/png")
        let form = try client.postForm(
            "/v1/search/captions?k=1", fields: [], file: ("image", png), fileType: "image/jpeg", fileName: "17.jpg")
        XCTAssertEqual(try results(form).first?["id"] as? Int, 17)
        // And a JPEG declared as a PNG is read as a JPEG.
        let jpeg = try client.post("/v1/search/captions?k=1", contentType: "image/png", body: try Self.jpeg(17))
        XCTAssertEqual((try jpeg.object()["query"] as? [String: Any])?["type"] as? String, "image/jpeg")
    }

    func testBrokenAndHugeJPEGsGetTheirStatusAndMessage() throws {
        let jpeg = try Self.jpeg(109)
        var corrupt = jpeg
        let dht = try XCTUnwrap((0..<(jpeg.count - 1)).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC4 })
        corrupt[dht + 4] = 0x3F  // no such Huffman table class
        var huge = jpeg
        let sof = try XCTUnwrap((0..<(jpeg.count - 1)).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 })
        huge.replaceSubrange((sof + 5)..<(sof + 9), with: [0x13, 0x88, 0x13, 0x88])  // 5000×5000
        let cases: [(String, [UInt8], Int, String, String)] = [
            ("truncated", Array(jpeg.prefix(jpeg.count / 2)), 400, "truncated_image", "the JPEG is truncated: "),
            ("corrupt", corrupt, 400, "corrupt_image", "the JPEG is damaged and cannot be decoded: "),
            (
                "huge", huge, 413, "image_too_large",
                "the JPEG is 5000×5000 pixels; at most 4096×4096 is accepted"
            ),
            ("a GIF", Array("GIF89a, honestly".utf8), 415, "not_an_image", "the data is not a PNG or JPEG image"),
        ]
        for endpoint in ["/v1/search/captions", "/v1/embed/image", "/v1/classify"] {
            for (name, body, status, code, message) in cases {
                for reply in [
                    try client.post(endpoint, contentType: "image/jpeg", body: body),
                    try client.postForm(endpoint, fields: [], file: ("image", body), fileType: "image/jpeg"),
                ] {
                    XCTAssertEqual(reply.status, status, "\(endpoint) \(name): \(reply.text)")
                    XCTAssertEqual(reply.errorCode, code, "\(endpoint) \(name)")
                    XCTAssertTrue(
                        reply.errorMessage?.hasPrefix(message) ?? false, "\(endpoint) \(name): \(reply.text)")
                }
            }
        }
        let wrongType = try client.post("/v1/search/captions", contentType: "image/gif", body: jpeg)
        XCTAssertEqual(wrongType.status, 415)
        XCTAssertTrue(wrongType.errorMessage?.contains("image/png, image/jpeg") ?? false, wrongType.text)
        let wrongPart = try client.postForm(
            "/v1/search/captions", fields: [], file: ("image", jpeg), fileType: "image/gif")
        XCTAssertEqual(wrongPart.status, 415)
        XCTAssertTrue(wrongPart.errorMessage?.contains("image/jpeg") ?? false, wrongPart.text)
        // Still serving.
        XCTAssertEqual(try client.post("/v1/search/captions", contentType: "image/jpeg", body: jpeg).status, 200)
    }
}
