import CMicroHTTPD
import Foundation

/// The part of the server that libmicrohttpd's threads touch: the handler, the body
/// limit and the in-flight count. Retained for as long as the daemon runs.
final class ServerCore: @unchecked Sendable {
    private let handler: @Sendable (HTTPRequest) -> HTTPResponse
    private let maxBodyBytes: Int
    private let inFlight = ShardedCounter()

    init(maxBodyBytes: Int, handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse) {
        self.maxBodyBytes = max(0, maxBodyBytes)
        self.handler = handler
    }

    var inFlightRequests: Int { inFlight.value }

    func requestFinished() {
        inFlight.add(-1)
    }

    /// One access-handler call: headers complete, a piece of body, or the end of the body.
    func process(
        connection: OpaquePointer, state: RequestState, uploadData: UnsafePointer<CChar>?,
        uploadDataSize: UnsafeMutablePointer<Int>
    ) -> MHD_Result {
        if !state.started {
            state.started = true
            state.counted = true
            inFlight.add(1)
            withUnsafeMutablePointer(to: &state.headers) { headers in
                _ = MHD_get_connection_values(connection, .HEADER_KIND, MHDCallbacks.collectHeader, headers)
            }
            if let declared = HTTPRequest.value(of: "content-length", in: state.headers) {
                guard let length = UInt64(declared.trimmingWhitespace()) else {
                    return queue(
                        HTTPError(400, code: "bad_request", message: "Content-Length is not a number.").response,
                        on: connection)
                }
                if length > UInt64(maxBodyBytes) {
                    // Answer before the body is read; MHD then closes the connection.
                    return queue(HTTPError.payloadTooLarge(limit: maxBodyBytes).response, on: connection)
                }
                state.body.reserveCapacity(Int(length))
            }
            return .YES
        }

        let size = uploadDataSize.pointee
        if size > 0 {
            uploadDataSize.pointee = 0
            guard let uploadData, state.body.count + size <= maxBodyBytes else {
                // Only a body without Content-Length (chunked) gets here.
                state.tooLarge = true
                state.body = []
                return rejectMidBody(connection)
            }
            uploadData.withMemoryRebound(to: UInt8.self, capacity: size) { bytes in
                state.body.append(contentsOf: UnsafeBufferPointer(start: bytes, count: size))
            }
            return .YES
        }

        if state.tooLarge {
            return queue(HTTPError.payloadTooLarge(limit: maxBodyBytes).response, on: connection)
        }
        let request = HTTPRequest(
            method: state.method, target: state.target, lowercasedHeaderFields: state.headers, body: state.body)
        state.body = []
        return queue(handler(request), on: connection)
    }

    /// libmicrohttpd (0.9.75) refuses `MHD_queue_response` while it is delivering upload
    /// data, and reading the rest of an unbounded chunked body just to answer would let a
    /// client hold a worker forever. So the 413 is written straight to the socket (nothing
    /// else is being written on it: MHD reads a request only after the previous response
    /// went out) and MHD_NO makes MHD close the connection.
    private func rejectMidBody(_ connection: OpaquePointer) -> MHD_Result {
        if queue(HTTPError.payloadTooLarge(limit: maxBodyBytes).response, on: connection) == .YES {
            return .YES  // a libmicrohttpd that allows it sends the response itself
        }
        let socket = nanovlm_mhd_connection_fd(connection)
        guard socket >= 0 else { return .NO }
        let body = HTTPError.payloadTooLarge(limit: maxBodyBytes).response.body
        let head =
            "HTTP/1.1 413 Content Too Large\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let bytes = [UInt8](head.utf8) + body
        _ = bytes.withUnsafeBytes { raw in
            send(socket, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
        }
        return .NO
    }

    private func queue(_ response: HTTPResponse, on connection: OpaquePointer) -> MHD_Result {
        let status = UInt32((100...999).contains(response.status) ? response.status : 500)
        if let prepared = response.prepared?.handle {
            return MHD_queue_response(connection, status, prepared)
        }
        guard let made = MHDResponse.make(response) else { return .NO }
        defer { MHD_destroy_response(made) }
        return MHD_queue_response(connection, status, made)
    }
}
