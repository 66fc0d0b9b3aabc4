// libFuzzer target: the HTTP request path as a whole. Each input is written as raw bytes
// to a live in-process server on 127.0.0.1 (libmicrohttpd parsing, body accumulation and
// limits, routing, every handler, on an untrained model); the client then half-closes and
// reads everything back. A 500, a response libmicrohttpd could not frame, or no answer
// that stops halfway is a failure.
import Foundation
import HTTPServer

#if canImport(Glibc)
    import Glibc
#endif

enum LiveServer {
    static let port: Int = {
        let server = HTTPServer(
            configuration: ServerConfiguration(
                host: "127.0.0.1", port: 0, maxBodyBytes: 256 * 1024, threads: 2, connectionTimeoutSeconds: 2),
            handler: { FuzzService.api.handle($0) })
        do {
            try server.start()
        } catch {
            fatalError("cannot start the server: \(error)")
        }
        retained = server
        return server.port
    }()
    nonisolated(unsafe) static var retained: HTTPServer?
}

func fuzzHTTP(_ bytes: [UInt8]) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { fatalError("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(LiveServer.port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { fatalError("cannot connect: \(String(cString: strerror(errno)))") }
    var offset = 0
    while offset < bytes.count {
        let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if sent <= 0 { break }  // the server hung up (e.g. after a 413); what it said is read below
        offset += sent
    }
    shutdown(fd, Int32(SHUT_WR))
    // Read until the server closes, or until the answers end on a response boundary and
    // nothing more comes for 50 ms: libmicrohttpd keeps a keep-alive connection whose
    // client half-closed open until the idle timeout, and waiting for that would make
    // every input cost seconds.
    var reply: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    // Silence with nothing received: the input did not finish a request (headers or body
    // cut short) and libmicrohttpd is waiting for the rest; stop after 500 ms. Silence
    // after a partial response is a stall: fail after 10 s.
    let start = DispatchTime.now().uptimeNanoseconds
    while true {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let quiet = !reply.isEmpty && endsOnResponseBoundary(reply)
        let ready = poll(&poller, 1, quiet ? 10 : 100)
        if ready == 0 {
            let waited = DispatchTime.now().uptimeNanoseconds - start
            if quiet || (reply.isEmpty && waited > 500_000_000) { break }
            if waited > 10_000_000_000 {
                fatalError("a partial answer, then nothing for 10 s, to \(bytes.count) bytes; got \(reply.count) bytes")
            }
            continue
        }
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            reply += buffer[0..<count]
        } else if count == 0 || errno == ECONNRESET {
            break
        } else if errno != EINTR && errno != EAGAIN {
            break
        }
    }
    // Every status line the server wrote: none may be a 500 (MHD's own 501/505 for
    // unsupported protocol features are the client's doing and allowed).
    let text = String(decoding: reply, as: UTF8.self)
    for line in text.split(separator: "\r\n") where line.hasPrefix("HTTP/1.") {
        let status = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        if status == 500 || status == 502 || status == 503 || status == 504 {
            fatalError("the server answered \(line)\n\(text.prefix(600))")
        }
    }
    if text.contains("internal_error") { fatalError("internal_error in the answer:\n\(text.prefix(600))") }
}

/// Whether `data` is a whole number of HTTP responses, each framed by Content-Length
/// (libmicrohttpd frames every buffer response that way; 1xx/204/304 and HEAD answers
/// have no body).
func endsOnResponseBoundary(_ data: [UInt8]) -> Bool {
    var position = 0
    while position < data.count {
        guard let end = headerEnd(data, from: position) else { return false }
        let head = String(decoding: data[position..<end], as: UTF8.self).lowercased()
        var length = 0
        for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
            length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        if status == 304 || status == 204 || (100..<200).contains(status) { length = 0 }
        position = end + 4 + length
    }
    return position == data.count
}

private func headerEnd(_ data: [UInt8], from start: Int) -> Int? {
    var index = start
    while index + 3 < data.count {
        if data[index] == 13, data[index + 1] == 10, data[index + 2] == 13, data[index + 3] == 10 { return index }
        index += 1
    }
    return nil
}
