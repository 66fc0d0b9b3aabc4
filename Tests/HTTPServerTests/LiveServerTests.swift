import Foundation
import TestSupport
import XCTest

@testable import HTTPServer

#if canImport(Glibc)
    import Glibc
#endif

final class LiveServerTests: XCTestCase {
    private var server: HTTPServer?

    /// Starts a server on 127.0.0.1, port 0, with a small echo router.
    @discardableResult
    private func startServer(maxBodyBytes: Int = 4 << 20, threads: Int = 2, idleTimeout: Int = 5) throws -> HTTPServer {
        let router = Router()
        router.add("GET", "/info") { request, _ in
            .text("\(request.method) \(request.path) q=\(request.queryValues("q").joined(separator: "|"))")
        }
        router.add("POST", "/echo") { request, _ in
            HTTPResponse(headers: [("Content-Type", "application/octet-stream")], body: request.body)
        }
        router.add("GET", "/header") { request, _ in
            .text(request.header(request.queryValue("name") ?? "") ?? "(none)")
        }
        router.add("GET", "/prepared") { _, _ in HTTPResponse(Self.prepared) }
        router.add("GET", "/prepared-changed") { _, _ in
            var response = HTTPResponse(Self.prepared)
            response.headers.append(("X-Changed", "yes"))
            return response
        }
        router.add("GET", "/slow") { _, _ in
            Thread.sleep(forTimeInterval: 1.0)
            return .text("slow done")
        }
        let configuration = ServerConfiguration(
            host: "127.0.0.1", port: 0, maxBodyBytes: maxBodyBytes, threads: threads, connectionTimeoutSeconds: idleTimeout)
        let server = HTTPServer(configuration: configuration) { router.respond(to: $0).response }
        try server.start()
        self.server = server
        XCTAssertGreaterThan(server.port, 0)
        return server
    }

    override func tearDown() {
        server?.stop()
        server = nil
        // Every request state handed to libmicrohttpd was released.
        XCTAssertEqual(LiveCounter.requestStates.value, 0)
        super.tearDown()
    }

    func testGetWithQuery() throws {
        let server = try startServer()
        let response = try rawRequest(
            port: server.port, "GET /info?q=red+circle&q=top%20left&k=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.text, "GET /info q=red circle|top left")
        XCTAssertEqual(response.headers["content-type"], "text/plain; charset=utf-8")
        XCTAssertEqual(response.headers["content-length"], String(response.body.count))
    }

    func testNotFoundIsJSONNotHTML() throws {
        let server = try startServer()
        let response = try rawRequest(port: server.port, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(response.status, 404)
        XCTAssertEqual(response.headers["content-type"], "application/json")
        XCTAssertTrue(response.text.hasPrefix("{\"error\":{\"code\":\"not_found\""))
    }

    func testPostEchoesOneMebibyte() throws {
        let server = try startServer()
        let body = randomBytes(1 << 20, seed: 1)
        let response = try rawRequest(
            port: server.port,
            "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: \(body.count)\r\n\r\n",
            body: body)
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.body.count, body.count)
        XCTAssertTrue(response.body == body)
    }

    func testDeclaredLengthOverLimitIs413WithoutReadingBody() throws {
        let server = try startServer(maxBodyBytes: 1 << 20)
        let connection = try RawConnection(port: server.port, timeoutSeconds: 3)
        // No body byte is ever sent: an answer at all (within the 3 s read timeout) proves the
        // server didn't wait for it.
        try connection.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: \(10 << 20)\r\n\r\n")
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 413)
        XCTAssertEqual(try errorBody(HTTPResponse(status: response.status, body: response.body)).code, "payload_too_large")
        XCTAssertTrue(connection.isClosedByPeer(), "the unread body must not be waited for")
    }

    func testExpectContinueOverLimitIs413() throws {
        let server = try startServer(maxBodyBytes: 1000)
        let response = try rawRequest(
            port: server.port, "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1001\r\n\r\n")
        XCTAssertEqual(response.status, 413)
    }

    func testChunkedBodyOverLimitIs413() throws {
        let server = try startServer(maxBodyBytes: 256 << 10)
        let connection = try RawConnection(port: server.port, timeoutSeconds: 5)
        try connection.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = [UInt8](repeating: 0x61, count: 32 << 10)
        // Send 320 KiB, past the 256 KiB limit, but never the terminating chunk: the
        // answer must come as soon as the limit is passed, not at the end of the body.
        for _ in 0..<10 {
            try connection.send(Array("8000\r\n".utf8) + chunk + [13, 10])
        }
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 413, "\(response.headers) \(response.text)")
        XCTAssertTrue(response.text.contains("payload_too_large"))
        XCTAssertTrue(connection.isClosedByPeer())
        XCTAssertEqual(try rawRequest(port: server.port, "GET /info HTTP/1.1\r\nHost: x\r\n\r\n").status, 200)
    }

    func testChunkedBodyUnderLimitIsEchoed() throws {
        let server = try startServer()
        let response = try rawRequest(
            port: server.port,
            "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.text, "hello world")
    }

    /// Header names are matched case-insensitively and a repeated header's lines are joined.
    func testRequestHeadersAsTheHandlerSeesThem() throws {
        let server = try startServer()
        let connection = try RawConnection(port: server.port)
        let request = "Host: x\r\nX-Thing: a\r\nOther: z\r\nx-thing: b\r\n\r\n"
        for (name, expected) in [("x-thing", "a, b"), ("X-THING", "a, b"), ("other", "z"), ("missing", "(none)")] {
            try connection.send("GET /header?name=\(name) HTTP/1.1\r\n" + request)
            XCTAssertEqual(try connection.readResponse().text, expected, name)
        }
    }

    private static let prepared = PreparedResponse(
        HTTPResponse(headers: [("Content-Type", "application/json"), ("X-Prepared", "1")], body: Array(#"{"ok":true}"#.utf8)))

    /// A prepared response goes out with its own headers and body, whole, on every connection
    /// and for HEAD; changing one after taking it sends the change, not the prepared copy.
    func testPreparedResponseIsAnsweredWholeEveryTime() throws {
        let server = try startServer()
        let connection = try RawConnection(port: server.port)
        for _ in 0..<3 {
            try connection.send("GET /prepared HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try connection.readResponse()
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.text, #"{"ok":true}"#)
            XCTAssertEqual(response.headers["content-type"], "application/json")
            XCTAssertEqual(response.headers["x-prepared"], "1")
            XCTAssertEqual(response.headers["content-length"], "11")
        }
        try connection.send("HEAD /prepared HTTP/1.1\r\nHost: x\r\n\r\n")
        let head = try connection.readResponse(bodyExpected: false)
        XCTAssertEqual(head.headers["content-length"], "11")
        try connection.send("GET /prepared-changed HTTP/1.1\r\nHost: x\r\n\r\n")
        let changed = try connection.readResponse()
        XCTAssertEqual(changed.headers["x-changed"], "yes", "a changed response is not answered from the prepared copy")
        XCTAssertEqual(changed.text, #"{"ok":true}"#)
    }

    /// One prepared response queued by many connections at once (libmicrohttpd counts its
    /// references): every client gets the whole body.
    func testPreparedResponseSharedByConcurrentClients() throws {
        let server = try startServer()
        let port = server.port
        let tally = Tally()
        let group = DispatchGroup()
        for _ in 0..<16 {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    let connection = try RawConnection(port: port)
                    for _ in 0..<50 {
                        try connection.send("GET /prepared HTTP/1.1\r\nHost: x\r\n\r\n")
                        let response = try connection.readResponse()
                        tally.record(response.text == #"{"ok":true}"# ? nil : "\(response.status) \(response.text)")
                    }
                } catch {
                    tally.record("\(error)")
                }
            }.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(tally.ok, 16 * 50, "failures: \(tally.failures.prefix(5))")
    }

    func testKeepAliveServesTwoRequestsOnOneConnection() throws {
        let server = try startServer()
        let connection = try RawConnection(port: server.port)
        try connection.send("GET /info?q=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try connection.readResponse().text, "GET /info q=1")
        try connection.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
        XCTAssertEqual(try connection.readResponse().text, "abc")
        // Pipelined: both requests in one write.
        try connection.send("GET /info?q=a HTTP/1.1\r\nHost: x\r\n\r\nGET /info?q=b HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try connection.readResponse().text, "GET /info q=a")
        XCTAssertEqual(try connection.readResponse().text, "GET /info q=b")
    }

    func testHeadHasNoBody() throws {
        let server = try startServer()
        let connection = try RawConnection(port: server.port)
        try connection.send("HEAD /info HTTP/1.1\r\nHost: x\r\n\r\n")
        let head = try connection.readResponse(bodyExpected: false)
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.headers["content-length"], String("HEAD /info q=".utf8.count), "HEAD tells the length of the body it would have")
        try connection.send("GET /info HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try connection.readResponse().text, "GET /info q=", "no stray body bytes after HEAD")
    }

    func testGarbageRequestLinesGet4xxAndServerKeepsServing() throws {
        let server = try startServer()
        let garbage = [
            "GARBAGE\r\n\r\n",
            "GET\r\n\r\n",
            "GET /info HTTP/9.9\r\n\r\n",
            "GET /info HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n",
            "\u{01}\u{02}\u{03} / HTTP/1.1\r\n\r\n",
            "GET /info HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "a", count: 100_000) + "\r\n\r\n",
        ]
        for request in garbage {
            let connection = try RawConnection(port: server.port, timeoutSeconds: 5)
            try? connection.send(request)
            if let response = try? connection.readResponse() {
                XCTAssertTrue((400..<600).contains(response.status), "\(request.prefix(30)): \(response.status)")
                XCTAssertNotEqual(response.status, 500)
            } else {
                XCTAssertTrue(connection.isClosedByPeer(), "\(request.prefix(30)) left hanging")
            }
        }
        XCTAssertEqual(try rawRequest(port: server.port, "GET /info HTTP/1.1\r\nHost: x\r\n\r\n").status, 200)
    }

    func testAbruptDisconnectMidBodyDoesNotDisturbOthers() throws {
        let server = try startServer(idleTimeout: 2)
        for _ in 0..<5 {
            let dropped = try RawConnection(port: server.port)
            try dropped.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + String(repeating: "z", count: 1000))
            let other = try rawRequest(port: server.port, "GET /info?q=still HTTP/1.1\r\nHost: x\r\n\r\n")
            XCTAssertEqual(other.text, "GET /info q=still")
            dropped.close()
        }
        // The dropped requests are completed and uncounted: usually at once, at worst when
        // the idle timeout (2 s here) notices a close that libmicrohttpd's epoll loop missed.
        let deadline = Date().addingTimeInterval(4)
        while server.inFlightRequests > 0 && Date() < deadline { usleep(10_000) }
        XCTAssertEqual(server.inFlightRequests, 0)
        XCTAssertEqual(try rawRequest(port: server.port, "GET /info HTTP/1.1\r\nHost: x\r\n\r\n").status, 200)
    }

    func testFiftyConcurrentClientsTwentyRequestsEach() throws {
        let server = try startServer()
        let port = server.port
        let clients = 50
        let perClient = 20
        let tally = Tally()
        let group = DispatchGroup()
        var threads: [Thread] = []
        for client in 0..<clients {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                do {
                    // Half the clients keep one connection alive, half reconnect each time.
                    var connection = try RawConnection(port: port)
                    for index in 0..<perClient {
                        if client % 2 == 1 { connection = try RawConnection(port: port) }
                        let body = "client \(client) request \(index)"
                        try connection.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                        let response = try connection.readResponse()
                        tally.record(response.status == 200 && response.text == body ? nil : "\(response.status) \(response.text)")
                    }
                } catch {
                    tally.record("client \(client): \(error)")
                }
            }
            threads.append(thread)
        }
        let started = Date()
        threads.forEach { $0.start() }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(tally.ok, clients * perClient, "failures: \(tally.failures.prefix(5))")
        print("50 clients x 20 requests: \(String(format: "%.3f", Date().timeIntervalSince(started))) s")
    }

    func testStopFinishesInFlightRequestAndRefusesNewConnections() throws {
        let server = try startServer()
        let port = server.port
        let slow = try RawConnection(port: port)
        try slow.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        let deadline = Date().addingTimeInterval(3)
        while server.inFlightRequests == 0 && Date() < deadline { usleep(1000) }
        XCTAssertEqual(server.inFlightRequests, 1)

        let stopped = expectation(description: "stop returned")
        DispatchQueue.global().async {
            server.stop()
            stopped.fulfill()
        }
        usleep(200_000)
        // While draining, new connections are refused at once.
        XCTAssertThrowsError(try RawConnection(port: port)) { error in
            XCTAssertEqual((error as? HTTPFailure)?.code, ECONNREFUSED)
        }
        let response = try slow.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.text, "slow done")
        wait(for: [stopped], timeout: 5)
        XCTAssertThrowsError(try RawConnection(port: port))
        server.stop()  // idempotent
    }

    func testBindFailureNamesTheAddress() throws {
        let server = try startServer()
        let second = HTTPServer(configuration: ServerConfiguration(host: "127.0.0.1", port: server.port)) { _ in HTTPResponse() }
        XCTAssertThrowsError(try second.start()) { error in
            XCTAssertTrue("\(error)".contains("127.0.0.1:\(server.port)"), "\(error)")
        }
        let unresolvable = HTTPServer(configuration: ServerConfiguration(host: "no-such-host.invalid", port: 0)) { _ in HTTPResponse() }
        XCTAssertThrowsError(try unresolvable.start()) { error in
            XCTAssertTrue("\(error)".contains("no-such-host.invalid:0"), "\(error)")
        }
    }

    func testIPv6DualStackBinds() throws {
        let server = HTTPServer(configuration: ServerConfiguration(host: "::", port: 0)) { _ in .text("v6") }
        try server.start()
        defer { server.stop() }
        XCTAssertEqual(try rawRequest(port: server.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").text, "v6")
    }
}

/// Outcomes collected from many client threads.
private final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var okCount = 0
    private var failureList: [String] = []

    func record(_ failure: String?) {
        lock.lock()
        defer { lock.unlock() }
        if let failure { failureList.append(failure) } else { okCount += 1 }
    }

    var ok: Int {
        lock.lock()
        defer { lock.unlock() }
        return okCount
    }

    var failures: [String] {
        lock.lock()
        defer { lock.unlock() }
        return failureList
    }
}
