import CMicroHTTPD

/// The C entry points libmicrohttpd calls on its worker threads. They capture
/// nothing, are not actor-isolated, and find their Swift objects through the
/// opaque pointers given at start-up (`ServerCore`) or stored per request
/// (`RequestState` in `*con_cls`).
enum MHDCallbacks {
    /// Runs before MHD parses the request line's target: keeps the raw target so
    /// the server decodes path and query itself, exactly like `HTTPRequest(target:)`.
    static let uriReceived: nanovlm_mhd_uri_callback = { _, uri, _ in
        let target = uri.map { String(cString: $0) } ?? "/"
        return Unmanaged.passRetained(RequestState(target: target)).toOpaque()
    }

    static let accessHandler: MHD_AccessHandlerCallback = {
        cls, connection, url, method, _, uploadData, uploadDataSize, conCls in
        guard let cls, let connection, let uploadDataSize, let conCls else { return .NO }
        let core = Unmanaged<ServerCore>.fromOpaque(cls).takeUnretainedValue()
        let state: RequestState
        if let existing = conCls.pointee {
            state = Unmanaged<RequestState>.fromOpaque(existing).takeUnretainedValue()
        } else {
            // Only if MHD skipped the URI callback; fall back to its decoded URL.
            state = RequestState(target: url.map { String(cString: $0) } ?? "/")
            conCls.pointee = Unmanaged.passRetained(state).toOpaque()
        }
        if !state.started {
            state.method = method.map { String(cString: $0) } ?? "GET"
        }
        return core.process(
            connection: connection, state: state, uploadData: uploadData, uploadDataSize: uploadDataSize)
    }

    static let requestCompleted: MHD_RequestCompletedCallback = { cls, _, conCls, _ in
        guard let conCls, let raw = conCls.pointee else { return }
        conCls.pointee = nil
        let state = Unmanaged<RequestState>.fromOpaque(raw).takeRetainedValue()
        if state.counted, let cls {
            Unmanaged<ServerCore>.fromOpaque(cls).takeUnretainedValue().requestFinished()
        }
    }

    /// Appends each request header, name lowercased, to the `[(name:value:)]` passed as `cls`.
    static let collectHeader: MHD_KeyValueIterator = { cls, _, key, value in
        guard let cls, let key else { return .YES }
        let headers = cls.assumingMemoryBound(to: [(name: String, value: String)].self)
        headers.pointee.append((ASCII.lowercasedString(cString: key), value.map { String(cString: $0) } ?? ""))
        return .YES
    }
}
