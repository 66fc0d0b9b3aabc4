import Foundation
import HTTPServer
import Logging
import NanoTensor

/// The SPEC §5 API over a `ServiceState`: builds the router and answers requests,
/// counting and logging each one.
public final class ServiceAPI: Sendable {
    public let state: ServiceState
    public let router: Router

    public init(state: ServiceState) {
        self.state = state
        self.router = Router()
        registerRoutes()
        state.metrics.setGauge(
            "nanovlm_build_info", help: "Build and runtime information; the value is always 1.",
            labels: ["version": ServiceVersion.string, "blas_core": BLAS.coreName], value: 1)
    }

    /// The routes this API answers as (method, pattern), HEAD included for every GET
    /// route. `/openapi.json` must describe exactly these; a test holds them together.
    public var routes: [(method: String, pattern: String)] {
        router.routes.flatMap { route in
            route.method == "GET" ? [route, ("HEAD", route.pattern)] : [route]
        }
    }

    private func registerRoutes() {
        let r = router
        r.add("GET", "/healthz") { try self.health($0, $1) }
        r.add("GET", "/livez") { try self.health($0, $1) }
        r.add("GET", "/readyz") { try self.ready($0, $1) }
        r.add("GET", "/v1/search/images") { try self.searchImagesGET($0, $1) }
        r.add("POST", "/v1/search/images") { try self.searchImagesPOST($0, $1) }
        r.add("POST", "/v1/search/captions") { try self.searchCaptions($0, $1) }
        r.add("POST", "/v1/classify") { try self.classify($0, $1) }
        r.add("GET", "/v1/images") { try self.gallery($0, $1) }
        r.add("GET", "/v1/images/{id}.png") { try self.galleryImage($0, $1) }
        r.add("POST", "/v1/embed/text") { try self.embedText($0, $1) }
        r.add("POST", "/v1/embed/image") { try self.embedImage($0, $1) }
        r.add("GET", "/v1/model") { try self.modelInfo($0, $1) }
        r.add("GET", "/v1/eval") { try self.evaluate($0, $1) }
        if !state.configuration.server.adminToken.isEmpty {
            r.add("POST", "/v1/admin/reload") { try self.adminReload($0, $1) }
        }
        r.add("GET", "/metrics") { try self.metricsText($0, $1) }
        r.add("GET", "/openapi.json") { _, _ in
            HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: Array(OpenAPIDocument.json.utf8))
        }
        r.add("GET", "/") { _, _ in
            .text(WebPage.html, contentType: "text/html; charset=utf-8")
        }
    }

    /// Answers one request: routes it, records its metrics and logs one line at debug.
    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        let start = DispatchTime.now().uptimeNanoseconds
        let (response, route) = router.respond(to: request)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        state.metrics.observeRequest(route: route, method: request.method, status: response.status, seconds: seconds)
        state.logger.debug(
            "request",
            metadata: [
                "method": "\(request.method)", "path": "\(request.path)", "route": "\(route)",
                "status": "\(response.status)", "ms": "\(String(format: "%.2f", seconds * 1000))",
            ])
        return response
    }
}

/// JSON responses with the service's encoder settings: keys sorted so bodies are stable
/// (readable diffs, cacheable), slashes unescaped so URLs read naturally.
enum JSON {
    static func response<T: Encodable>(_ value: T, status: Int = 200) throws -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return HTTPResponse.json([UInt8](try encoder.encode(value)), status: status)
    }
}
