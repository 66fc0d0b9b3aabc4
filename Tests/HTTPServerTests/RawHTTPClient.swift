import Foundation

#if canImport(Glibc)
    import Glibc
#endif

struct SocketError: Error, CustomStringConvertible {
    let operation: String
    let code: Int32
    var description: String { "\(operation) failed: \(String(cString: strerror(code)))" }
}

struct RawResponse {
    let status: Int
    let headers: [String: String]
    let body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A blocking HTTP/1.1 client over a plain socket, so tests control every byte sent.
final class RawConnection {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var closed = false

    init(port: Int, timeoutSeconds: Int = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(operation: "socket", code: errno) }
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
            throw SocketError(operation: "connect", code: code)
        }
    }

    deinit { close() }

    func close() {
        if !closed {
            closed = true
            Glibc.close(fd)
        }
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR { continue }
                throw SocketError(operation: "send", code: errno)
            }
            offset += sent
        }
    }

    /// Reads more bytes into the buffer; false at end of stream.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SocketError(operation: "recv", code: errno)
            }
            if count == 0 { return false }
            buffer += chunk[0..<count]
            return true
        }
    }

    /// Reads one response (Content-Length framed, or to end of stream).
    func readResponse(bodyExpected: Bool = true) throws -> RawResponse {
        let separator: [UInt8] = [13, 10, 13, 10]
        var headerEnd: Int?
        while headerEnd == nil {
            if buffer.count >= 4 {
                headerEnd = (0...(buffer.count - 4)).first { buffer[$0..<($0 + 4)].elementsEqual(separator) }
            }
            if headerEnd == nil, try !fill() { throw SocketError(operation: "read headers (closed)", code: 0) }
        }
        guard let headerEnd else { throw SocketError(operation: "read headers", code: 0) }
        let head = String(decoding: buffer[0..<headerEnd], as: UTF8.self).components(separatedBy: "\r\n")
        buffer.removeSubrange(0..<(headerEnd + 4))
        let statusParts = head[0].split(separator: " ")
        let status = statusParts.count > 1 ? Int(statusParts[1]) ?? 0 : 0
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
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
        return RawResponse(status: status, headers: headers, body: body)
    }

    /// True when the peer has closed (reads end of stream) within the receive timeout.
    func isClosedByPeer() -> Bool {
        do {
            while try fill() {}
            return true
        } catch {
            return (error as? SocketError)?.code == ECONNRESET
        }
    }
}

/// Sends one request on a fresh connection and reads the response.
func rawRequest(port: Int, _ request: String, body: [UInt8] = []) throws -> RawResponse {
    let connection = try RawConnection(port: port)
    try connection.send(Array(request.utf8) + body)
    return try connection.readResponse()
}
