import HTTPServer
import Logging
import XCTest

@testable import NanoVLMService

/// The routes hold their API weakly: a strong capture made a cycle (API → router → route →
/// API) that leaked every ServiceAPI with its router; LeakSanitizer found it.
final class APILifetimeTests: XCTestCase {
    func testTheAPIAndItsRouterAreFreedWithTheLastReference() {
        weak var freedAPI: ServiceAPI?
        weak var freedRouter: Router?
        do {
            var configuration = AppConfiguration()
            configuration.server.adminToken = "secret"
            let api = ServiceAPI(state: ServiceState(configuration: configuration, logger: Logger(label: "test")))
            freedAPI = api
            freedRouter = api.router
            XCTAssertEqual(api.handle(HTTPRequest(method: "GET", target: "/healthz")).status, 200)
        }
        XCTAssertNil(freedAPI, "ServiceAPI outlived its last reference")
        XCTAssertNil(freedRouter, "the router outlived its API")
    }
}
