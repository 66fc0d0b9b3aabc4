import XCTest

@testable import NanoVLM

final class MetricsTests: XCTestCase {
    func testRanksCountHigherScoresAndTiesBySmallerIndex() {
        // Query 0: correct 0 is best. Query 1: correct 1 ties with 0 (smaller index wins) → rank 2.
        // Query 2: correct 2 is beaten by 5 others → rank 6.
        let scores: [Float] = [
            0.9, 0.1, 0.2, 0.0, 0.0, 0.0,
            0.5, 0.5, 0.1, 0.0, 0.0, 0.0,
            0.9, 0.8, 0.1, 0.7, 0.6, 0.5,
        ]
        let m = scores.withUnsafeBufferPointer {
            RankMetrics(scores: $0.baseAddress!, queries: 3, candidates: 6, correct: [0, 1, 2])
        }
        XCTAssertEqual(m.r1, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(m.r5, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(m.meanRank, (1 + 2 + 6) / 3.0, accuracy: 1e-12)
    }

    func testReportEncodesTheSpecKeys() throws {
        let r = RankMetrics(r1: 1, r5: 1, meanRank: 1)
        let d = DirectionMetrics(imageToText: r, textToImage: r)
        let report = EvaluationReport(
            validation: .init(amongValidation: d, amongAll: d),
            robustness: .init(amongAll: d, byPerturbation: ["size": d]))
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any]
        let validation = json?["validation"] as? [String: Any]
        let among = validation?["among_validation"] as? [String: Any]
        let i2t = among?["image_to_text"] as? [String: Any]
        XCTAssertEqual(Set(i2t?.keys.map { $0 } ?? []), ["r1", "r5", "mean_rank"])
        XCTAssertNotNil((json?["robustness"] as? [String: Any])?["by_perturbation"])
    }
}
