import Foundation
import Synchronization

/// Request counters, latency histograms and gauges, rendered in the Prometheus text
/// exposition format (version 0.0.4). Thread-safe. Request observations, made by every
/// request, go to a shard of the calling thread, each behind its own lock, so worker
/// threads do not queue on one lock; `render()` adds the shards up.
public final class MetricsRegistry: @unchecked Sendable {
    private struct RequestKey: Hashable {
        let route: String
        let method: String
        let code: Int
    }

    private struct Histogram {
        var bucketCounts: [UInt64]  // per bucket, not cumulative; made cumulative when rendered
        var sum: Double = 0
        var count: UInt64 = 0

        mutating func record(bucket: Int, seconds: Double) {
            bucketCounts[bucket] += 1
            sum += seconds
            count += 1
        }

        mutating func add(_ other: Histogram) {
            for index in bucketCounts.indices { bucketCounts[index] += other.bucketCounts[index] }
            sum += other.sum
            count += other.count
        }
    }

    /// One thread's (or a few threads') request observations, by (route, method, code):
    /// one lookup per request. The count is the histogram's; durations are added up by
    /// route when rendered.
    /// The lock lives in the object, and the padding keeps the next shard's lock off this
    /// one's cache line: two threads' shards never share a line.
    private final class Shard: Sendable {
        let series = Mutex<[RequestKey: Histogram]>([:])
        private let padding = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    }

    private struct GaugeFamily {
        var help: String
        var values: [[String: String]: Double] = [:]
    }

    private let lock = NSLock()
    private let durationBuckets: [Double]
    private let shards = (0..<16).map { _ in Shard() }
    private var gauges: [String: GaugeFamily] = [:]

    /// - Parameter durationBuckets: upper bounds in seconds; sorted and deduplicated here,
    ///   `+Inf` is implicit.
    public init(
        durationBuckets: [Double] = [
            0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
        ]
    ) {
        self.durationBuckets = Array(Set(durationBuckets.filter { $0.isFinite })).sorted()
    }

    /// Counts one request in `nanovlm_requests_total{route,method,code}` and records its
    /// duration in `nanovlm_request_duration_seconds{route}`.
    public func observeRequest(route: String, method: String, status: Int, seconds: Double) {
        let seconds = seconds.isFinite ? max(0, seconds) : 0
        let bucket = durationBuckets.firstIndex { seconds <= $0 } ?? durationBuckets.count
        let key = RequestKey(route: route, method: method, code: status)
        let buckets = durationBuckets.count + 1
        shards[ThreadSlot.current % shards.count].series.withLock { series in
            // Mutated in place: a copy out and back would copy the bucket array every request.
            series[key, default: Histogram(bucketCounts: Array(repeating: 0, count: buckets))]
                .record(bucket: bucket, seconds: seconds)
        }
    }

    /// Sets a gauge sample. Invalid characters in metric or label names become `_`.
    public func setGauge(_ name: String, help: String, labels: [String: String] = [:], value: Double) {
        let name = Self.sanitize(name, allowColon: true)
        var cleanLabels: [String: String] = [:]
        for (label, labelValue) in labels {
            cleanLabels[Self.sanitize(label, allowColon: false)] = labelValue
        }
        lock.lock()
        defer { lock.unlock() }
        var family = gauges[name] ?? GaugeFamily(help: help)
        family.help = help
        family.values[cleanLabels] = value
        gauges[name] = family
    }

    /// The whole registry in the Prometheus text format; families and series are sorted
    /// so the output is stable.
    public func render() -> String {
        var counts: [RequestKey: UInt64] = [:]
        var histograms: [String: Histogram] = [:]
        let buckets = durationBuckets.count + 1
        for shard in shards {
            shard.series.withLock { series in
                for (key, histogram) in series {
                    counts[key, default: 0] += histogram.count
                    histograms[key.route, default: Histogram(bucketCounts: Array(repeating: 0, count: buckets))]
                        .add(histogram)
                }
            }
        }
        lock.lock()
        let gaugeFamilies = gauges
        lock.unlock()

        var out = ""
        out += "# HELP nanovlm_requests_total HTTP requests answered, by route pattern, method and status code.\n"
        out += "# TYPE nanovlm_requests_total counter\n"
        let sortedCounts = counts.sorted {
            ($0.key.route, $0.key.method, $0.key.code) < ($1.key.route, $1.key.method, $1.key.code)
        }
        for (key, count) in sortedCounts {
            out += "nanovlm_requests_total"
            out += Self.labels([("route", key.route), ("method", key.method), ("code", String(key.code))])
            out += " \(count)\n"
        }

        out += "# HELP nanovlm_request_duration_seconds Time to answer a request, by route pattern.\n"
        out += "# TYPE nanovlm_request_duration_seconds histogram\n"
        for (route, histogram) in histograms.sorted(by: { $0.key < $1.key }) {
            var cumulative: UInt64 = 0
            for (index, bound) in durationBuckets.enumerated() {
                cumulative += histogram.bucketCounts[index]
                out += "nanovlm_request_duration_seconds_bucket"
                out += Self.labels([("route", route), ("le", Self.format(bound))]) + " \(cumulative)\n"
            }
            out += "nanovlm_request_duration_seconds_bucket"
            out += Self.labels([("route", route), ("le", "+Inf")]) + " \(histogram.count)\n"
            out += "nanovlm_request_duration_seconds_sum" + Self.labels([("route", route)])
            out += " \(Self.format(histogram.sum))\n"
            out += "nanovlm_request_duration_seconds_count" + Self.labels([("route", route)])
            out += " \(histogram.count)\n"
        }

        for (name, family) in gaugeFamilies.sorted(by: { $0.key < $1.key }) {
            out += "# HELP \(name) \(Self.escapeHelp(family.help))\n"
            out += "# TYPE \(name) gauge\n"
            let series = family.values.map { (labels: $0.key.sorted { $0.key < $1.key }, value: $0.value) }
                .map { (text: Self.labels($0.labels.map { ($0.key, $0.value) }), value: $0.value) }
                .sorted { $0.text < $1.text }
            for sample in series {
                out += "\(name)\(sample.text) \(Self.format(sample.value))\n"
            }
        }
        return out
    }

    /// `{a="x",b="y"}`, or empty for no labels.
    private static func labels(_ pairs: [(String, String)]) -> String {
        guard !pairs.isEmpty else { return "" }
        return "{" + pairs.map { "\($0.0)=\"\(escapeLabelValue($0.1))\"" }.joined(separator: ",") + "}"
    }

    static func escapeLabelValue(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    private static func escapeHelp(_ help: String) -> String {
        help.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == .infinity { return "+Inf" }
        if value == -.infinity { return "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    private static func sanitize(_ name: String, allowColon: Bool) -> String {
        var out = ""
        for (index, scalar) in name.unicodeScalars.enumerated() {
            let isLetter =
                (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || scalar == "_"
                || (allowColon && scalar == ":")
            let isDigit = scalar >= "0" && scalar <= "9"
            out.unicodeScalars.append(isLetter || (isDigit && index > 0) ? scalar : "_")
        }
        return out.isEmpty ? "_" : out
    }
}
