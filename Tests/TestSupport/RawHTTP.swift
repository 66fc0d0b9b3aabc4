import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// One HTTP response as read off the socket.
public struct Reply {
    public let status: Int
    /// Lowercased names.
    public let headers: [String: String]
    public let body: [UInt8]

    public var text: String { String(decoding: body, as: UTF8.self) }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The body as a JSON object (fails the test when it is not one).
    public func object(file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let value = try? JSONSerialization.jsonObject(with: Data(body))
        return try XCTUnwrap(value as? [String: Any], "not a JSON object: \(text.prefix(300))", file: file, line: line)
    }

    /// `error.code` of a docs/API.md error body.
    public var errorCode: String? {
        let value = try? JSONSerialization.jsonObject(with: Data(body))
        return ((value as? [String: Any])?["error"] as? [String: Any])?["code"] as? String
    }

    public var errorMessage: String? {
        let value = try? JSONSerialization.jsonObject(with: Data(body))
        return ((value as? [String: Any])?["error"] as? [String: Any])?["message"] as? String
    }
}

public struct HTTPFailure: Error, CustomStringConvertible {
    public let description: String
    /// The `errno` of a failed socket call; 0 for other failures.
    public let code: Int32

    public init(description: String, code: Int32 = 0) {
        self.description = description
        self.code = code
    }

    static func socketCall(_ operation: String, _ code: Int32) -> HTTPFailure {
        HTTPFailure(description: "\(operation) failed: \(String(cString: strerror(code)))", code: code)
    }
}

/// A deliberately small, blocking HTTP/1.1 client over a plain POSIX socket to 127.0.0.1,
/// so tests control every byte sent (partial bodies, lying headers, pipelining, hang-ups)
/// and see exactly what comes back.
public final class RawConnection {
    public let fd: Int32
    private var buffer: [UInt8] = []
    private var closed = false

    /// Connects; sends and receives give up after `timeoutSeconds` without progress.
    public init(port: Int, timeoutSeconds: Int = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPFailure.socketCall("socket", errno) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if result != 0 {
            let code = errno
            Glibc.close(fd)
            throw HTTPFailure(
                description: "cannot connect to 127.0.0.1:\(port): \(String(cString: strerror(code)))", code: code)
        }
    }

    deinit { close() }

    public func close() {
        if !closed {
            closed = true
            Glibc.close(fd)
        }
    }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Sends every byte; throws when the peer has gone (callers that expect a hang-up use `try?`).
    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR { continue }
                throw HTTPFailure.socketCall("send", errno)
            }
            offset += sent
        }
    }

    /// Reads more bytes into the buffer; false at end of stream (and, with `resetIsEnd`,
    /// when the peer reset the connection).
    private func fill(resetIsEnd: Bool = false) throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                if resetIsEnd && errno == ECONNRESET { return false }
                throw HTTPFailure.socketCall("recv", errno)
            }
            if count == 0 { return false }
            buffer += chunk[0..<count]
            return true
        }
    }

    /// Reads one response off a connection that may carry more (Content-Length framed, or
    /// to end of stream); `bodyExpected: false` for the answer to HEAD.
    public func readResponse(bodyExpected: Bool = true) throws -> Reply {
        var headerEnd: Int?
        while headerEnd == nil {
            headerEnd = Self.headEnd(in: buffer)
            if headerEnd == nil, try !fill() { throw HTTPFailure(description: "read headers: closed") }
        }
        guard let headerEnd else { throw HTTPFailure(description: "read headers") }
        let (status, headers) = try Self.parseHead(buffer[0..<headerEnd])
        buffer.removeSubrange(0..<(headerEnd + 4))
        var body: [UInt8] = []
        if !bodyExpected {
            // HEAD: no body whatever Content-Length says.
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            while buffer.count < length {
                if try !fill() { break }
            }
            body = Array(buffer.prefix(length))
            buffer.removeFirst(min(length, buffer.count))
        } else {
            while try fill() {}
            body = buffer
            buffer = []
        }
        return Reply(status: status, headers: headers, body: body)
    }

    /// Reads until the server closes (a reset counts as closing: a server that refused a
    /// body may reset), then parses the one response; the body stops at Content-Length.
    /// `what` names the request in a parse failure.
    public func readUntilClosed(_ what: String = "") throws -> Reply {
        while try fill(resetIsEnd: true) {}
        do {
            guard let end = Self.headEnd(in: buffer) else {
                throw HTTPFailure(description: "no complete response head in \(buffer.count) bytes")
            }
            let (status, headers) = try Self.parseHead(buffer[..<end])
            var body = Array(buffer[(end + 4)...])
            if let length = headers["content-length"].flatMap(Int.init), length < body.count {
                body = Array(body[..<length])
            }
            return Reply(status: status, headers: headers, body: body)
        } catch {
            // Name the request: a failure deep in a long table of requests is otherwise anonymous.
            throw HTTPFailure(description: "\(error) (request: \(what.prefix(120)))")
        }
    }

    /// True when the peer has closed (reads end of stream) within the receive timeout.
    public func isClosedByPeer() -> Bool {
        do {
            while try fill() {}
            return true
        } catch {
            return (error as? HTTPFailure)?.code == ECONNRESET
        }
    }

    private static func headEnd(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        return (0...(bytes.count - 4)).first { bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10 }
    }

    private static func parseHead(_ bytes: ArraySlice<UInt8>) throws -> (Int, [String: String]) {
        let lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = (lines.first ?? "").split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw HTTPFailure(description: "bad status line \(lines.first ?? "")")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (status, headers)
    }
}

/// Sends one raw request (head and body as given) on a fresh connection and reads the response.
public func rawRequest(port: Int, _ request: String, body: [UInt8] = []) throws -> Reply {
    let connection = try RawConnection(port: port)
    try connection.send(Array(request.utf8) + body)
    return try connection.readResponse()
}

/// Well-formed one-shot requests (`Connection: close`) for tests of a whole server.
public enum RawHTTP {
    /// Long enough for the slowest answer of a server under test (a search on a busy machine).
    public static let timeoutSeconds = 60

    public static func head(
        _ method: String, _ target: String, headers: [(String, String)], bodyLength: Int?
    ) -> [UInt8] {
        var text = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let bodyLength { text += "Content-Length: \(bodyLength)\r\n" }
        return Array((text + "\r\n").utf8)
    }

    /// One request on a fresh connection, read until the server closes it.
    public static func request(
        port: Int, _ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8]? = nil
    ) throws -> Reply {
        let connection = try RawConnection(port: port, timeoutSeconds: timeoutSeconds)
        defer { connection.close() }
        // Sends ignore a peer that already hung up: the reply says why.
        guard let body, body.count > 65536 else {
            try? connection.send(head(method, target, headers: headers, bodyLength: body?.count) + (body ?? []))
            return try connection.readUntilClosed("\(method) \(target)")
        }
        // A large body: like curl's `Expect: 100-continue`, give the server a moment to refuse
        // it from the head alone. Writing a body the server won't read makes its close reset
        // the connection, and a reset can discard the answer before this side reads it.
        try? connection.send(head(method, target, headers: headers, bodyLength: body.count))
        var waiting = pollfd(fd: connection.fd, events: Int16(POLLIN), revents: 0)
        if poll(&waiting, 1, 300) == 0 { try? connection.send(body) }
        return try connection.readUntilClosed("\(method) \(target)")
    }
}

/// A server under test, addressed by port.
public struct Client {
    public let port: Int

    public init(port: Int) { self.port = port }

    public func get(_ target: String, headers: [(String, String)] = []) throws -> Reply {
        try RawHTTP.request(port: port, "GET", target, headers: headers)
    }

    public func post(_ target: String, json: String) throws -> Reply {
        try RawHTTP.request(port: port, "POST", target, headers: [("Content-Type", "application/json")], body: Array(json.utf8))
    }

    public func post(_ target: String, contentType: String?, body: [UInt8], headers: [(String, String)] = []) throws -> Reply {
        let all = (contentType.map { [("Content-Type", $0)] } ?? []) + headers
        return try RawHTTP.request(port: port, "POST", target, headers: all, body: body)
    }

    /// A `multipart/form-data` body with text fields and one file part (of `fileType`,
    /// named `fileName`).
    public func postForm(
        _ target: String, fields: [(String, String)], file: (name: String, bytes: [UInt8])?,
        fileType: String = "image/png", fileName: String = "x.png", boundary: String = "nanovlm-test-boundary"
    ) throws -> Reply {
        var body: [UInt8] = []
        for (name, value) in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        if let file {
            body += Array(
                ("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(fileName)\"\r\n"
                    + "Content-Type: \(fileType)\r\n\r\n").utf8)
            body += file.bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return try post(target, contentType: "multipart/form-data; boundary=\(boundary)", body: body)
    }
}
