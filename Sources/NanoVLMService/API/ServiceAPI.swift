import Foundation
import HTTPServer
import JSON
import Logging
import NanoTensor

/// The HTTP API (docs/API.md) over a `ServiceState`: builds the router and answers requests,
/// counting and logging each one.
public final class ServiceAPI: Sendable {
    public let state: ServiceState
    public let router: Router
    /// The logger is at debug, so each request is logged; the level is fixed at start-up.
    private let logsRequests: Bool
    /// The page and the OpenAPI document by route (`ServedFiles`).
    private let files: Result<[String: PreparedResponse], ServedFiles.MissingError>
    /// The gallery during start-up: the generated set start-up is going to serve, or nil
    /// when it serves a file dataset (known only once opened).
    let startupGallery: GalleryImages?

    /// - Parameters:
    ///   - state: the model, configuration, metrics and logger the handlers share.
    ///   - files: the page and the OpenAPI document; `ServedFiles.loaded` unless a test
    ///     stands in another set.
    public init(
        state: ServiceState,
        files: Result<[String: PreparedResponse], ServedFiles.MissingError> = ServedFiles.loaded
    ) {
        self.state = state
        self.files = files
        self.router = Router()
        self.logsRequests = state.logger.logLevel <= .debug
        self.startupGallery = StartupDataset.generated(state.configuration).map {
            GalleryImages($0, maxSide: state.configuration.server.maxImageSide)
        }
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
        route("GET", "/healthz") { try $0.health($1, $2) }
        route("GET", "/livez") { try $0.health($1, $2) }
        route("GET", "/readyz") { try $0.ready($1, $2) }
        route("GET", "/v1/search/images") { try $0.searchImagesGET($1, $2) }
        route("POST", "/v1/search/images") { try $0.searchImagesPOST($1, $2) }
        route("POST", "/v1/search/captions") { try $0.searchCaptions($1, $2) }
        route("POST", "/v1/classify") { try $0.classify($1, $2) }
        route("POST", "/v1/caption") { try $0.caption($1, $2) }
        route("GET", "/v1/images") { try $0.gallery($1, $2) }
        route("GET", "/v1/images/{id}.png") { try $0.galleryImage($1, $2) }
        route("POST", "/v1/embed/text") { try $0.embedText($1, $2) }
        route("POST", "/v1/embed/image") { try $0.embedImage($1, $2) }
        route("GET", "/v1/model") { try $0.modelInfo($1, $2) }
        route("GET", "/v1/eval") { try $0.evaluate($1, $2) }
        if !state.configuration.server.adminToken.isEmpty {
            route("POST", "/v1/admin/reload") { try $0.adminReload($1, $2) }
        }
        route("GET", "/metrics") { try $0.metricsText($1, $2) }
        for file in ServedFiles.files {
            let answer: Result<HTTPResponse, HTTPError>
            switch files {
            case .success(let responses):
                guard let prepared = responses[file.route] else { preconditionFailure("no file for \(file.route)") }
                answer = .success(HTTPResponse(prepared))
            case .failure(let error):
                answer = .failure(ServedFiles.unavailable(error))
            }
            router.add("GET", file.route) { _, _ in try answer.get() }
        }
    }

    /// Registers a handler method. The router is owned by this object, so the route holds
    /// it weakly: a strong capture made a cycle (API → router → route → API) that leaked
    /// every ServiceAPI with its router (found by LeakSanitizer, scripts/sanitize address).
    private func route(
        _ method: String, _ pattern: String,
        _ handler: @escaping @Sendable (ServiceAPI, HTTPRequest, RouteParameters) throws -> HTTPResponse
    ) {
        router.add(method, pattern) { [weak self] request, parameters in
            guard let self else {
                throw HTTPError(503, code: "shutting_down", message: "The service is shutting down.")
            }
            return try handler(self, request, parameters)
        }
    }

    /// Answers one request: routes it, records its metrics and logs one line at debug.
    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        let start = DispatchTime.now().uptimeNanoseconds
        let (response, route) = router.respond(to: request)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        state.metrics.observeRequest(route: route, method: request.method, status: response.status, seconds: seconds)
        // Checked once here: the logger's own check copies its handler on every call.
        guard logsRequests else { return response }
        state.logger.debug(
            "request",
            metadata: [
                "method": "\(request.method)", "path": "\(request.path)", "route": "\(route)",
                "status": "\(response.status)", "ms": "\(String(format: "%.2f", seconds * 1000))",
            ])
        return response
    }
}

/// JSON responses with the project's encoder settings (`JSONCoding`): keys sorted so bodies
/// are stable (readable diffs, cacheable), slashes unescaped so URLs read naturally.
enum JSON {
    static func response<T: Encodable>(_ value: T, status: Int = 200) throws -> HTTPResponse {
        if let fast = value as? FastJSON {
            var writer = JSONWriter()
            fast.write(to: &writer)
            return HTTPResponse.json(writer.bytes, status: status)
        }
        return HTTPResponse.json([UInt8](try JSONCoding.encoder().encode(value)), status: status)
    }
}
