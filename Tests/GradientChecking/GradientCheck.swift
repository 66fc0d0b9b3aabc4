import NanoTensor
import XCTest

// Shared by the NanoNN and NanoVLM test targets (a library target, since test targets
// cannot depend on each other).

/// Central finite differences against an analytic gradient. Prints the worst relative
/// error against the tolerance, and fails above it. `loss` may return nil for a probe that
/// crossed a non-differentiable point (a ReLU changing sides); such indices are skipped,
/// and the check fails if more than `1 − minimumCheckedFraction` are. `floor` bounds the denominator of the
/// relative error from below, so float rounding in a tiny gradient is not mistaken for a bug.
public func checkGradient(
    _ name: String, parameters: [Float], analytic: [Float],
    epsilon: Float = 1e-2, tolerance: Float = 1e-2, maxChecks: Int = 400, floor: Float = 1e-3,
    minimumCheckedFraction: Double = 0.5,
    file: StaticString = #filePath, line: UInt = #line,
    loss: ([Float]) -> Double?
) {
    XCTAssertEqual(parameters.count, analytic.count, "\(name): gradient size", file: file, line: line)
    var worst: Float = 0
    var worstIndex = 0
    var checked = 0, skipped = 0
    let stride = max(1, parameters.count / maxChecks)
    var probe = parameters
    let anyNonZero = analytic.contains { abs($0) > 1e-6 }
    for i in Swift.stride(from: 0, to: parameters.count, by: stride) {
        let saved = probe[i]
        probe[i] = saved + epsilon
        let plus = loss(probe)
        probe[i] = saved - epsilon
        let minus = loss(probe)
        probe[i] = saved
        guard let plus, let minus else {
            skipped += 1
            continue
        }
        checked += 1
        let numeric = Float((plus - minus) / Double(2 * epsilon))
        let a = analytic[i]
        let error = abs(a - numeric) / max(abs(a) + abs(numeric), floor)
        if error > worst {
            worst = error
            worstIndex = i
        }
    }
    print(
        String(
            format: "gradient check %@: max relative error %.2e (tolerance %.0e) at %d; %d checked, %d skipped at kinks",
            name, worst, tolerance, worstIndex, checked, skipped))
    XCTAssertTrue(anyNonZero, "\(name): the analytic gradient is all zero", file: file, line: line)
    XCTAssertGreaterThanOrEqual(
        Double(checked), minimumCheckedFraction * Double(checked + skipped),
        "\(name): too many probes crossed kinks", file: file, line: line)
    XCTAssertLessThanOrEqual(worst, tolerance, "\(name): analytic gradient disagrees with finite differences", file: file, line: line)
}

/// Σ output · weights in double precision: a scalar loss whose gradient w.r.t. output is `weights`.
public func weightedSum(_ output: UnsafePointer<Float>, _ weights: [Float]) -> Double {
    var s: Double = 0
    for i in 0..<weights.count { s += Double(output[i]) * Double(weights[i]) }
    return s
}
