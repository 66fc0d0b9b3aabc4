import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// One HTTP response as read off the socket.
struct Reply {
    let status: Int
    /// Lowercased names.
    let headers: [String: String]
    let body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }

    func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The body as a JSON object (fails the test when it is not one).
    func object(file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let value = try? JSONSerialization.jsonObject(with: Data(body))
        return try XCTUnwrap(value as? [String: Any], "not a JSON object: \(text.prefix(300))", file: file, line: line)
    }

    /// `error.code` of a docs/API.md error body.
    var errorCode: String? {
        let value = try? JSONSerialization.jsonObject(with: Data(body))
        return ((value as? [String: Any])?["error"] as? [String: Any])?["code"] as? String
    }

    var errorMessage: String? {
        let value = try? JSONSerialization.jsonObject(with: Data(body))
        return ((value as? [String: Any])?["error"] as? [String: Any])?["message"] as? String
    }
}

struct HTTPFailure: Error, CustomStringConvertible {
    let description: String
}

/// A deliberately small HTTP/1.1 client over POSIX sockets, so the tests see exactly what
/// goes over the wire (and can misbehave: partial bodies, lying headers, hang-ups).
enum RawHTTP {
    static func connect(port: Int, timeoutSeconds: Int = 60) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPFailure(description: "socket() failed") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(fd)
            throw HTTPFailure(description: "cannot connect to 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
        }
        return fd
    }

    /// Sends everything, ignoring a peer that already hung up (the reply says why).
    static func send(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            offset += sent
        }
    }

    static func head(
        _ method: String, _ target: String, headers: [(String, String)], bodyLength: Int?
    ) -> [UInt8] {
        var text = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let bodyLength { text += "Content-Length: \(bodyLength)\r\n" }
        return Array((text + "\r\n").utf8)
    }

    /// Reads until the server closes, then parses status, headers and body.
    static func readReply(_ fd: Int32, _ what: String = "") throws -> Reply {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                data.append(contentsOf: buffer[0..<count])
            } else if count == 0 || errno == ECONNRESET {
                break
            } else if errno == EINTR {
                continue
            } else {
                throw HTTPFailure(description: "read failed: \(String(cString: strerror(errno)))")
            }
        }
        do {
            return try parse(data)
        } catch {
            // Name the request: a failure deep in a long table of requests is otherwise anonymous.
            throw HTTPFailure(description: "\(error) (request: \(what.prefix(120)))")
        }
    }

    static func parse(_ data: [UInt8]) throws -> Reply {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, data.count - 3)).first(where: { Array(data[$0..<($0 + 4)]) == separator }) else {
            throw HTTPFailure(description: "no complete response head in \(data.count) bytes")
        }
        let lines = String(decoding: data[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = (lines.first ?? "").split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw HTTPFailure(description: "bad status line \(lines.first ?? "")")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(data[(end + 4)...])
        if let length = headers["content-length"].flatMap(Int.init), length < body.count {
            body = Array(body[..<length])
        }
        return Reply(status: status, headers: headers, body: body)
    }

    /// One request on a fresh connection.
    static func request(
        port: Int, _ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8]? = nil
    ) throws -> Reply {
        let fd = try connect(port: port)
        defer { close(fd) }
        guard let body, body.count > 65536 else {
            send(fd, head(method, target, headers: headers, bodyLength: body?.count) + (body ?? []))
            return try readReply(fd, "\(method) \(target)")
        }
        // A large body: like curl's `Expect: 100-continue`, give the server a moment to refuse
        // it from the head alone. Writing a body the server won't read makes its close reset
        // the connection, and a reset can discard the answer before this side reads it.
        send(fd, head(method, target, headers: headers, bodyLength: body.count))
        var waiting = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        if poll(&waiting, 1, 300) == 0 { send(fd, body) }
        return try readReply(fd, "\(method) \(target)")
    }
}

/// A server under test, addressed by port.
struct Client {
    let port: Int

    func get(_ target: String, headers: [(String, String)] = []) throws -> Reply {
        try RawHTTP.request(port: port, "GET", target, headers: headers)
    }

    func post(_ target: String, json: String) throws -> Reply {
        try RawHTTP.request(port: port, "POST", target, headers: [("Content-Type", "application/json")], body: Array(json.utf8))
    }

    func post(_ target: String, contentType: String?, body: [UInt8], headers: [(String, String)] = []) throws -> Reply {
        let all = (contentType.map { [("Content-Type", $0)] } ?? []) + headers
        return try RawHTTP.request(port: port, "POST", target, headers: all, body: body)
    }

    /// A `multipart/form-data` body with text fields and one file part.
    func postForm(
        _ target: String, fields: [(String, String)], file: (name: String, bytes: [UInt8])?,
        boundary: String = "nanovlm-test-boundary"
    ) throws -> Reply {
        var body: [UInt8] = []
        for (name, value) in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        if let file {
            body += Array(
                ("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"x.png\"\r\n"
                    + "Content-Type: image/png\r\n\r\n").utf8)
            body += file.bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return try post(target, contentType: "multipart/form-data; boundary=\(boundary)", body: body)
    }
}
