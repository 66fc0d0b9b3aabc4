import Foundation
import HTTPServer
import Logging
import XCTest

@testable import NanoVLMService

/// The router and `/openapi.json` were written apart; this keeps them describing the same
/// operations: every route the code registers is documented, and every documented
/// operation is routed.
final class RoutesMatchDocumentTests: XCTestCase {
    static let documentMethods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// The operations of the `/openapi.json` the API itself answers with.
    func documentedOperations() throws -> Set<String> {
        let api = ServiceAPI(state: ServiceState(configuration: AppConfiguration(), logger: Logger(label: "test")))
        let answer = api.handle(HTTPRequest(method: "GET", target: "/openapi.json"))
        XCTAssertEqual(answer.status, 200)
        let document = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])
        let paths = try XCTUnwrap(document["paths"] as? [String: Any])
        var operations: Set<String> = []
        for (path, item) in paths {
            for method in (item as? [String: Any] ?? [:]).keys where Self.documentMethods.contains(method) {
                operations.insert("\(method.uppercased()) \(path)")
            }
        }
        return operations
    }

    func routedOperations(adminToken: String) -> Set<String> {
        var configuration = AppConfiguration()
        configuration.server.adminToken = adminToken
        let api = ServiceAPI(state: ServiceState(configuration: configuration, logger: Logger(label: "test")))
        return Set(api.routes.map { "\($0.method) \($0.pattern)" })
    }

    func testEveryRouteIsDocumentedAndEveryDocumentedOperationIsRouted() throws {
        // With an admin token every route is registered, the reload endpoint included.
        let routed = routedOperations(adminToken: "secret")
        let documented = try documentedOperations()
        XCTAssertEqual(routed.subtracting(documented).sorted(), [], "routes missing from /openapi.json")
        XCTAssertEqual(documented.subtracting(routed).sorted(), [], "documented operations no route answers")
        XCTAssertTrue(routed.contains("HEAD /v1/images/{id}.png"))
        for file in ServedFiles.files { XCTAssertTrue(routed.contains("GET \(file.route)"), file.route) }
    }

    func testWithoutAnAdminTokenOnlyTheReloadRouteIsMissing() throws {
        let withToken = routedOperations(adminToken: "secret")
        let without = routedOperations(adminToken: "")
        XCTAssertEqual(withToken.subtracting(without), ["POST /v1/admin/reload"])
    }

    /// Each documented operation, asked in-process, answers a status the document lists
    /// for it (not a 404/405 from the router), so the paths really are the code's paths.
    func testEveryDocumentedOperationReachesItsHandler() throws {
        var configuration = AppConfiguration()
        configuration.server.adminToken = "secret"
        let api = ServiceAPI(state: ServiceState(configuration: configuration, logger: Logger(label: "test")))
        for operation in try documentedOperations() {
            let parts = operation.split(separator: " ", maxSplits: 1).map(String.init)
            let path = parts[1].replacingOccurrences(of: "{id}", with: "7")
            let response = api.handle(HTTPRequest(method: parts[0], target: path))
            XCTAssertFalse([404, 405].contains(response.status), "\(operation) answered \(response.status)")
        }
    }
}
