import HTTPServer

/// `/healthz`, `/livez`, `/readyz`, `/metrics`.
extension ServiceAPI {
    /// `{"status":"ok"}`, the same response every time, prepared once.
    private static let healthResponse = PreparedResponse(.json(Array(#"{"status":"ok"}"#.utf8)))

    private struct ReadyBody: Encodable {
        let status: String
        let stage: StartupStage
        let checks: [ReadinessCheck]?
    }

    func health(_ request: HTTPRequest, _ parameters: RouteParameters) throws -> HTTPResponse {
        HTTPResponse(Self.healthResponse)
    }

    /// 200 once serving a self-tested model, else 503 with `Retry-After`; `?verbose` lists the checks.
    func ready(_ request: HTTPRequest, _ parameters: RouteParameters) throws -> HTTPResponse {
        let snapshot = state.readiness.snapshot
        let ready = state.model != nil
        let verbose = request.queryValue("verbose").map { $0.lowercased() != "false" && $0 != "0" } ?? false
        let body = ReadyBody(
            status: ready ? "ready" : (snapshot.stage == .failed ? "failed" : "not_ready"),
            stage: ready ? .ready : snapshot.stage, checks: verbose ? snapshot.checks : nil)
        var response = try JSON.response(body, status: ready ? 200 : 503)
        if !ready { response.headers.append(("Retry-After", String(ServiceState.retryAfterSeconds))) }
        return response
    }

    func metricsText(_ request: HTTPRequest, _ parameters: RouteParameters) throws -> HTTPResponse {
        state.publishReadyGauge(state.model != nil)
        return .text(state.metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }
}
