import Foundation

/// Values captured by `{name}` placeholders of the matched route pattern.
public struct RouteParameters: Sendable {
    private let values: [String: String]

    public init(_ values: [String: String] = [:]) {
        self.values = values
    }

    public subscript(_ name: String) -> String? { values[name] }
}

public typealias Handler = @Sendable (HTTPRequest, RouteParameters) throws -> HTTPResponse

/// Maps method + path to a handler and is the one place errors become responses:
/// a thrown `HTTPError` becomes its JSON body, anything else a logged 500.
public final class Router: Sendable {
    private let table = RouteTable()

    public init() {}

    /// Registers a handler. Build every route before serving.
    ///
    /// Patterns are `/`-separated literal segments and `{name}` parameters; a parameter
    /// may have a literal prefix or suffix inside its segment, as in `"/v1/images/{id}.png"`.
    /// A parameter never matches an empty string or crosses a `/`.
    /// - Parameters:
    ///   - method: the HTTP method, e.g. `"GET"`; a GET route also answers HEAD.
    ///   - pattern: the path pattern.
    ///   - handler: called with the request and the captured parameters.
    public func add(_ method: String, _ pattern: String, _ handler: @escaping Handler) {
        table.add(Route(method: method.uppercased(), pattern: pattern, handler: handler))
    }

    /// Every registered route as (method, pattern), in registration order. HEAD is not
    /// listed: every GET route also answers it.
    public var routes: [(method: String, pattern: String)] {
        table.snapshot.routes.map { ($0.method, $0.pattern) }
    }

    /// Answers the request; never throws.
    /// - Returns: the response and the matched pattern (or `"unmatched"`), a bounded
    ///   label for metrics.
    public func respond(to request: HTTPRequest) -> (response: HTTPResponse, route: String) {
        let method =
            request.method.utf8.allSatisfy { $0 < 0x61 || $0 > 0x7A } ? request.method : request.method.uppercased()
        let snapshot = table.snapshot
        // Most requests name a route without parameters: one dictionary lookup finds it.
        if let candidates = snapshot.literalRoutes[request.path],
            let route = candidates.first(where: { $0.accepts(method) })
        {
            return (run(route, [:], request), route.pattern)
        }

        let pathSegments = Route.segments(of: request.path)
        var best: (route: Route, parameters: [String: String])?
        var pathMatched: (pattern: String, methods: Set<String>)?

        for route in snapshot.routes {
            guard let parameters = route.match(pathSegments) else { continue }
            if route.accepts(method) {
                if best == nil || route.literalCount > (best?.route.literalCount ?? 0) {
                    best = (route, parameters)
                }
            } else if pathMatched == nil {
                pathMatched = (route.pattern, [route.method])
            } else {
                pathMatched?.methods.insert(route.method)
            }
        }

        guard let (route, parameters) = best else {
            if let pathMatched {
                return (methodNotAllowed(pathMatched.methods, path: request.path).response, pathMatched.pattern)
            }
            return (HTTPError.notFound("No resource at \(request.path).").response, "unmatched")
        }
        return (run(route, parameters, request), route.pattern)
    }

    /// Calls the handler; a thrown `HTTPError` becomes its response, anything else a logged 500.
    private func run(_ route: Route, _ parameters: [String: String], _ request: HTTPRequest) -> HTTPResponse {
        var response: HTTPResponse
        do {
            response = try route.handler(request, RouteParameters(parameters))
        } catch let error as HTTPError {
            response = error.response
        } catch {
            let line = "nanovlm http: unhandled error on \(request.method) \(request.path): \(error)\n"
            FileHandle.standardError.write(Data(line.utf8))
            response = HTTPError.internalError.response
        }
        // HEAD keeps the GET's body: libmicrohttpd sends only the headers for a HEAD request,
        // with the Content-Length the GET would have.
        return response
    }

    private func methodNotAllowed(_ methods: Set<String>, path: String) -> HTTPError {
        var allowed = methods
        if allowed.contains("GET") { allowed.insert("HEAD") }
        let list = allowed.sorted().joined(separator: ", ")
        return HTTPError(
            405, code: "method_not_allowed",
            message: "\(path) only supports \(list).",
            headers: [("Allow", list)])
    }
}

/// The routes, read by every request and written only while the router is built.
private final class RouteTable: Sendable {
    final class Snapshot: Sendable {
        let routes: [Route]
        /// Routes without parameters by their exact path, in registration order.
        let literalRoutes: [String: [Route]]

        init(routes: [Route]) {
            self.routes = routes
            var literal: [String: [Route]] = [:]
            for route in routes where route.literalCount == route.segments.count {
                literal["/" + route.segments.map(\.literalText).joined(separator: "/"), default: []].append(route)
            }
            self.literalRoutes = literal
        }
    }

    private let current = ReadMostly(Snapshot(routes: []))

    func add(_ route: Route) {
        current.write { $0 = Snapshot(routes: $0.routes + [route]) }
    }

    var snapshot: Snapshot { current.current }
}

/// A class, so taking a route out of the table is one retain, not one per field.
private final class Route: Sendable {
    enum Segment: Sendable {
        case literal(String)
        case parameter(name: String, prefix: String, suffix: String)

        var literalText: String {
            if case .literal(let text) = self { return text }
            return ""
        }
    }

    let method: String
    let pattern: String
    let segments: [Segment]
    let literalCount: Int
    let handler: Handler

    init(method: String, pattern: String, handler: @escaping Handler) {
        self.method = method
        self.pattern = pattern
        self.handler = handler
        let segments = Route.segments(of: pattern).map(Route.parseSegment)
        self.segments = segments
        self.literalCount = segments.reduce(0) { count, segment in
            if case .literal = segment { return count + 1 }
            return count
        }
    }

    static func segments(of path: String) -> [Substring] {
        var trimmed = Substring(path)
        if trimmed.hasPrefix("/") { trimmed = trimmed.dropFirst() }
        return trimmed.split(separator: "/", omittingEmptySubsequences: false)
    }

    private static func parseSegment(_ segment: Substring) -> Segment {
        guard let open = segment.firstIndex(of: "{"),
            let close = segment[open...].firstIndex(of: "}")
        else { return .literal(String(segment)) }
        return .parameter(
            name: String(segment[segment.index(after: open)..<close]),
            prefix: String(segment[..<open]),
            suffix: String(segment[segment.index(after: close)...]))
    }

    /// A GET route also answers HEAD.
    func accepts(_ method: String) -> Bool {
        self.method == method || (method == "HEAD" && self.method == "GET")
    }

    func match(_ path: [Substring]) -> [String: String]? {
        guard path.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, path) {
            switch segment {
            case .literal(let literal):
                guard part == literal else { return nil }
            case .parameter(let name, let prefix, let suffix):
                guard part.count > prefix.count + suffix.count, part.hasPrefix(prefix), part.hasSuffix(suffix)
                else { return nil }
                parameters[name] = String(part.dropFirst(prefix.count).dropLast(suffix.count))
            }
        }
        return parameters
    }
}
