import Foundation
import TestSupport
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// A short version of scripts/soak's misbehaving clients: slowloris connections that keep
/// trickling a request, and uploads reset halfway, must not starve anyone else.
final class SlowClientEndToEndTests: XCTestCase {
    func testSlowClientsAndAbortedUploadsDoNotStarveOthers() throws {
        let client = try Fixture.shared().server.client
        let port = client.port

        // 64 connections that send a request a few bytes at a time and never finish it.
        let head = Array("POST /v1/search/captions HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nX-Slow: ".utf8)
        var slow: [RawConnection] = []
        defer { slow.forEach { $0.close() } }
        for _ in 0..<64 {
            let connection = try RawConnection(port: port, timeoutSeconds: 5)
            try? connection.send(Array(head.prefix(8)))
            slow.append(connection)
        }
        let stop = Stopper()
        let trickling = slow
        let trickle = Thread {
            var offset = 8
            while !stop.isSet {
                for connection in trickling { try? connection.send([offset < head.count ? head[offset] : UInt8(ascii: "a")]) }
                offset += 1
                usleep(200_000)
            }
        }
        trickle.start()
        defer { stop.set() }

        // Uploads that announce 512 KiB, send 64 KiB, then reset the connection.
        for _ in 0..<16 {
            let upload = try RawConnection(port: port, timeoutSeconds: 5)
            try? upload.send(
                RawHTTP.head("POST", "/v1/classify", headers: [("Content-Type", "image/png")], bodyLength: 512 * 1024)
                    + PNGs.canonical(3) + [UInt8](repeating: 0, count: 64 * 1024))
            var reset = linger(l_onoff: 1, l_linger: 0)
            setsockopt(upload.fd, SOL_SOCKET, SO_LINGER, &reset, socklen_t(MemoryLayout<linger>.size))
            upload.close()
        }

        // Everyone else is answered promptly meanwhile.
        var worst = 0.0
        for i in 0..<30 {
            let start = Date()
            let reply = try i % 2 == 0 ? client.get("/healthz") : client.get("/v1/search/images?q=pink+circle+top&k=1")
            let seconds = Date().timeIntervalSince(start)
            worst = max(worst, seconds)
            XCTAssertEqual(reply.status, 200)
            XCTAssertLessThan(seconds, 2, "request \(i) waited \(seconds) s behind slow clients")
            usleep(100_000)  // spread over 3 s, while the slow clients keep trickling
        }
        print("slow clients: 64 trickling, 16 uploads reset; 30 requests answered, worst \(Int(worst * 1000)) ms")
    }
}

private final class Stopper: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false

    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return flag
    }

    func set() {
        lock.lock()
        flag = true
        lock.unlock()
    }
}
