import XCTest

@testable import HTTPServer

final class MetricsTests: XCTestCase {
    private func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

    func testRequestCounterAndHistogram() {
        let metrics = MetricsRegistry(durationBuckets: [0.01, 0.1, 1])
        metrics.observeRequest(route: "/healthz", method: "GET", status: 200, seconds: 0.005)
        metrics.observeRequest(route: "/healthz", method: "GET", status: 200, seconds: 0.05)
        metrics.observeRequest(route: "/healthz", method: "GET", status: 503, seconds: 0.5)
        metrics.observeRequest(route: "/healthz", method: "GET", status: 200, seconds: 3)
        let output = lines(metrics.render())

        XCTAssertTrue(output.contains("nanovlm_requests_total{route=\"/healthz\",method=\"GET\",code=\"200\"} 3"))
        XCTAssertTrue(output.contains("nanovlm_requests_total{route=\"/healthz\",method=\"GET\",code=\"503\"} 1"))
        // Buckets are cumulative and end with +Inf == count.
        XCTAssertTrue(output.contains("nanovlm_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.01\"} 1"))
        XCTAssertTrue(output.contains("nanovlm_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.1\"} 2"))
        XCTAssertTrue(output.contains("nanovlm_request_duration_seconds_bucket{route=\"/healthz\",le=\"1\"} 3"))
        XCTAssertTrue(output.contains("nanovlm_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 4"))
        XCTAssertTrue(output.contains("nanovlm_request_duration_seconds_count{route=\"/healthz\"} 4"))
        let sumLine = output.first { $0.hasPrefix("nanovlm_request_duration_seconds_sum{route=\"/healthz\"} ") }
        let sum = sumLine.flatMap { Double($0.split(separator: " ").last ?? "") }
        XCTAssertEqual(sum ?? 0, 3.555, accuracy: 1e-9)
    }

    func testBoundaryValueFallsIntoItsBucket() {
        let metrics = MetricsRegistry(durationBuckets: [0.5, 0.1])
        metrics.observeRequest(route: "r", method: "GET", status: 200, seconds: 0.1)
        let output = lines(metrics.render())
        XCTAssertTrue(output.contains("nanovlm_request_duration_seconds_bucket{route=\"r\",le=\"0.1\"} 1"))
        let buckets = output.filter { $0.hasPrefix("nanovlm_request_duration_seconds_bucket") }
        XCTAssertEqual(buckets.count, 3)
        XCTAssertTrue(buckets[0].contains("le=\"0.1\""), "buckets sorted ascending")
    }

    func testHelpAndTypeOncePerFamilyAndLineSyntax() {
        let metrics = MetricsRegistry()
        metrics.observeRequest(route: "/a", method: "GET", status: 200, seconds: 0.001)
        metrics.observeRequest(route: "/b", method: "POST", status: 400, seconds: 0.001)
        metrics.setGauge("nanovlm_model_ready", help: "1 when ready.", value: 1)
        metrics.setGauge("nanovlm_build_info", help: "Build.", labels: ["version": "0.1", "swift": "6.3"], value: 1)
        metrics.setGauge("nanovlm_model_ready", help: "1 when ready.", value: 0)
        let output = lines(metrics.render())
        for family in ["nanovlm_requests_total", "nanovlm_request_duration_seconds", "nanovlm_model_ready", "nanovlm_build_info"] {
            XCTAssertEqual(output.filter { $0.hasPrefix("# HELP \(family) ") }.count, 1, family)
            XCTAssertEqual(output.filter { $0.hasPrefix("# TYPE \(family) ") }.count, 1, family)
        }
        XCTAssertTrue(output.contains("# TYPE nanovlm_request_duration_seconds histogram"))
        XCTAssertTrue(output.contains("# TYPE nanovlm_model_ready gauge"))
        XCTAssertTrue(output.contains("nanovlm_model_ready 0"))
        XCTAssertTrue(output.contains("nanovlm_build_info{swift=\"6.3\",version=\"0.1\"} 1"))
        // Every sample line: name{labels} value
        let sample = try? NSRegularExpression(pattern: #"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*",?)*\})? (\+Inf|-Inf|NaN|-?[0-9.eE+-]+)$"#)
        for line in output where !line.hasPrefix("#") {
            let range = NSRange(line.startIndex..., in: line)
            XCTAssertNotNil(sample?.firstMatch(in: line, range: range), "bad sample line: \(line)")
        }
        XCTAssertTrue(metrics.render().hasSuffix("\n"))
    }

    func testLabelValuesAreEscaped() {
        let metrics = MetricsRegistry()
        metrics.observeRequest(route: "/a\"b\\c\nd", method: "GET", status: 200, seconds: 0)
        metrics.setGauge("bad-name metric", help: "line one\nline two", labels: ["le vel": "x\"y"], value: 2.5)
        let text = metrics.render()
        XCTAssertTrue(text.contains(#"nanovlm_requests_total{route="/a\"b\\c\nd",method="GET",code="200"} 1"#))
        XCTAssertTrue(text.contains("# HELP bad_name_metric line one\\nline two\n"))
        XCTAssertTrue(text.contains(#"bad_name_metric{le_vel="x\"y"} 2.5"#))
    }

    func testConcurrentObservationsAreAllCounted() {
        let metrics = MetricsRegistry()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<1000 { metrics.observeRequest(route: "/x", method: "GET", status: 200, seconds: 0.0002) }
        }
        XCTAssertTrue(metrics.render().contains("nanovlm_request_duration_seconds_count{route=\"/x\"} 8000"))
    }
}
