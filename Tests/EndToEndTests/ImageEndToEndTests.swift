import Foundation
import ImageIO
import Datasets
import TestSupport
import XCTest

/// Image → text, classification and image embeddings over HTTP, and every bad upload.
final class ImageEndToEndTests: XCTestCase {
    var client: Client!

    override func setUpWithError() throws {
        client = try Fixture.shared().server.client
    }

    func hits(_ reply: Reply, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        XCTAssertEqual(reply.status, 200, reply.text, file: file, line: line)
        return try XCTUnwrap(try reply.object()["results"] as? [[String: Any]], file: file, line: line)
    }

    func testRawPNGRanksItsCaptionFirst() throws {
        for id in [0, 17, 109, 242] {
            let reply = try client.post("/v1/search/captions?k=3", contentType: "image/png", body: PNGs.canonical(id))
            let results = try hits(reply)
            XCTAssertEqual(results.count, 3)
            XCTAssertEqual(results[0]["id"] as? Int, id)
            XCTAssertEqual(results[0]["caption"] as? String, Pair(id: id)?.caption)
            XCTAssertEqual(results[0]["image_url"] as? String, "/v1/images/\(id).png")
            XCTAssertEqual(results.compactMap { $0["rank"] as? Int }, [1, 2, 3])
        }
    }

    func testMultipartUploadWithCandidatesRanksThoseTexts() throws {
        let png = PNGs.canonical(109)  // pink circle top
        let plain = try hits(try client.postForm("/v1/search/captions", fields: [], file: ("image", png)))
        XCTAssertEqual(plain.first?["caption"] as? String, "pink circle top")
        XCTAssertEqual(plain.count, 5)

        let shapes = try hits(
            try client.postForm(
                "/v1/search/captions", fields: [("candidates", "square"), ("candidates", "circle"), ("candidates", "triangle")],
                file: ("image", png)))
        XCTAssertEqual(shapes.count, 3)
        XCTAssertEqual(shapes[0]["caption"] as? String, "circle")
        XCTAssertEqual(shapes[0]["id"] as? Int, 1, "the candidate's index")
        let total = shapes.compactMap { $0["probability"] as? Double }.reduce(0, +)
        XCTAssertEqual(total, 1, accuracy: 1e-4)

        let colours = try hits(
            try client.post(
                "/v1/search/captions?candidates=red&candidates=pink&candidates=gray&k=2", contentType: "image/png", body: png))
        XCTAssertEqual(colours.count, 2)
        XCTAssertEqual(colours[0]["caption"] as? String, "pink")

        let badCandidate = try client.post("/v1/search/captions?candidates=unicorn", contentType: "image/png", body: png)
        XCTAssertEqual(badCandidate.status, 400)
        XCTAssertTrue(badCandidate.errorMessage?.contains("unicorn") ?? false)
        XCTAssertEqual(try client.post("/v1/search/captions?k=0", contentType: "image/png", body: png).errorCode, "invalid_k")
    }

    func testClassifyGivesEachAttributeAProbabilityThatSumsToOne() throws {
        let reply = try client.post("/v1/classify", contentType: "image/png", body: PNGs.canonical(17))
        XCTAssertEqual(reply.status, 200, reply.text)
        let body = try reply.object()
        let pair = try XCTUnwrap(Pair(id: 17))
        let expected = ["colour": pair.colour.name, "shape": pair.shape.name, "position": pair.position.name]
        for (attribute, label) in expected {
            let entry = try XCTUnwrap(body[attribute] as? [String: Any], attribute)
            XCTAssertEqual(entry["label"] as? String, label)
            let probabilities = try XCTUnwrap(entry["probabilities"] as? [String: Double])
            XCTAssertEqual(probabilities.values.reduce(0, +), 1, accuracy: 1e-4)
            XCTAssertEqual(entry["probability"] as? Double, probabilities[label])
        }
        XCTAssertEqual((body["colour"] as? [String: Any])?["probabilities"].map { ($0 as? [String: Any])?.count }, 9)
        XCTAssertEqual((body["shape"] as? [String: Any])?["probabilities"].map { ($0 as? [String: Any])?.count }, 3)
    }

    func testEmbedImageAndText() throws {
        let image = try client.post("/v1/embed/image", contentType: "image/png", body: PNGs.canonical(5))
        XCTAssertEqual(image.status, 200, image.text)
        let imageBody = try image.object()
        XCTAssertEqual(imageBody["dim"] as? Int, 32)
        let vector = try XCTUnwrap(imageBody["embedding"] as? [Double])
        XCTAssertEqual(vector.count, 32)
        XCTAssertEqual(vector.map { $0 * $0 }.reduce(0, +), 1, accuracy: 1e-3, "L2-normalised")

        let text = try client.post("/v1/embed/text", json: #"{"text": "red circle top-left"}"#)
        XCTAssertEqual(try XCTUnwrap(try text.object()["embedding"] as? [Double]).count, 32)
        let texts = try client.post("/v1/embed/text", json: #"{"texts": ["red", "blue square"]}"#)
        let rows = try XCTUnwrap(try texts.object()["embeddings"] as? [[Double]])
        XCTAssertEqual(rows.map(\.count), [32, 32])
        XCTAssertEqual(try client.post("/v1/embed/text", json: #"{"text": "red dragon"}"#).errorCode, "unknown_word")
        XCTAssertEqual(try client.post("/v1/embed/text", json: #"{"txt": "red"}"#).status, 400)
        XCTAssertEqual(try client.post("/v1/embed/text", json: #"{"texts": "red"}"#).status, 400)
        XCTAssertEqual(try client.post("/v1/embed/text", json: "{").status, 400)
        XCTAssertEqual(try client.post("/v1/embed/text", contentType: "image/png", body: PNGs.canonical(0)).status, 415)
    }

    func testBadUploadsGetTheFittingStatus() throws {
        let endpoints = ["/v1/search/captions", "/v1/classify", "/v1/embed/image"]
        let cases = PNGs.badUploads + [
            ("multipart with another boundary", "multipart/form-data; boundary=zzz", Array("--yyy\r\n\r\n".utf8), 400),
        ]
        for endpoint in endpoints {
            for (name, type, body, status) in cases {
                let reply = try client.post(endpoint, contentType: type, body: body)
                XCTAssertEqual(reply.status, status, "\(endpoint) \(name): \(reply.text)")
                XCTAssertNotNil(reply.errorMessage, "\(endpoint) \(name)")
            }
        }
        let noFile = try client.postForm("/v1/search/captions", fields: [("candidates", "red")], file: nil)
        XCTAssertEqual(noFile.status, 400)
        XCTAssertEqual(noFile.errorCode, "missing_image")
        let unterminated = try client.post(
            "/v1/search/captions", contentType: "multipart/form-data; boundary=b",
            body: Array("--b\r\nContent-Disposition: form-data; name=\"image\"; filename=\"x.png\"\r\n\r\nabc".utf8))
        XCTAssertEqual(unterminated.status, 400)
        // Still serving.
        XCTAssertEqual(try client.post("/v1/search/captions", contentType: "image/png", body: PNGs.canonical(3)).status, 200)
    }

    func testBodiesOverTheLimitGet413BeforeTheyAreSent() throws {
        let port = client.port
        let connection = try RawConnection(port: port, timeoutSeconds: RawHTTP.timeoutSeconds)
        defer { connection.close() }
        let length = Fixture.maxBodyBytes + 1
        try? connection.send(
            RawHTTP.head("POST", "/v1/search/captions", headers: [("Content-Type", "image/png")], bodyLength: length))
        let reply = try connection.readUntilClosed()  // answered without a byte of the body
        XCTAssertEqual(reply.status, 413)
        XCTAssertEqual(reply.errorCode, "payload_too_large")

        let bigPNG = PNGs.canonical(0) + [UInt8](repeating: 0, count: Fixture.maxBodyBytes)
        XCTAssertEqual(try client.post("/v1/classify", contentType: "image/png", body: bigPNG).status, 413)
        XCTAssertEqual(try client.get("/healthz").status, 200)
    }

    /// A PNG drawn by ImageMagick, not by this project's renderer, must still be read right.
    func testImageMagickDrawingOfAPinkCircleAtTheTop() throws {
        let convert = try XCTUnwrap(
            Self.imageMagickConvert(), "ImageMagick's convert is needed (scripts/setup installs the imagemagick package)")
        let directory = try Fixture.shared().directory
        let output = directory.appendingPathComponent("imagemagick-pink-circle.png")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: convert)
        process.arguments = [
            "-size", "32x32", "xc:black", "-fill", "#FFC0CB", "-draw", "circle 16,6.67 16,10.67", output.path,
        ]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let png = try [UInt8](Data(contentsOf: output))
        let results = try hits(try client.post("/v1/search/captions?k=3", contentType: "image/png", body: png))
        XCTAssertEqual(results.first?["caption"] as? String, "pink circle top", "\(results)")
    }

    /// The real `convert` (the machine may have a stand-in that only prints PNGs).
    static func imageMagickConvert() -> String? {
        for path in ["/usr/bin/convert", "/usr/local/bin/convert", "/usr/bin/magick"] {
            guard FileManager.default.isExecutableFile(atPath: path) else { continue }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = ["-version"]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            guard (try? process.run()) != nil else { continue }
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            if output.contains("Version: ImageMagick") { return path }
        }
        return nil
    }
}
