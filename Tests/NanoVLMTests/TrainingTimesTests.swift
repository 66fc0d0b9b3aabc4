import XCTest

@testable import NanoVLM

/// Seconds per epoch and the epoch that reaches the validation target, read from a
/// training history (what `nanovlm eval` reports for several files).
final class TrainingTimesTests: XCTestCase {
    func summary(_ epochs: [(i2t: Double?, t2i: Double?, elapsed: Double)]) -> TrainingSummary {
        let history = epochs.enumerated().map { i, e in
            EpochReport(
                epoch: i + 1, loss: 1, valR1ImageToText: e.i2t, valR1TextToImage: e.t2i, learningRate: 1e-3,
                elapsed: e.elapsed)
        }
        return TrainingSummary(
            epochs: epochs.count, seconds: epochs.last?.elapsed ?? 0, finalLoss: 1, history: history, blasCore: "x")
    }

    func testTheTargetIsTheFirstEpochOfTheFinalRunAtOneHundredPercent() {
        let s = summary([
            (0.5, 0.4, 1), (1, 1, 2), (1, 0.98, 3.5), (1, 1, 4.5), (1, 1, 6), (1, 1, 7),
        ])
        XCTAssertEqual(s.targetEpoch?.epoch, 4, "epoch 2 reached it but epoch 3 lost it again")
        XCTAssertEqual(s.targetEpoch?.elapsed, 4.5)
    }

    func testNotReachedWhenTheLastEpochMissesIt() {
        XCTAssertNil(summary([(1, 1, 1), (1, 1, 2), (0.98, 1, 3)]).targetEpoch)
        XCTAssertNil(summary([(0.1, 0.1, 1)]).targetEpoch)
        XCTAssertNil(summary([]).targetEpoch)
    }

    func testReachedFromTheFirstEpochWhenNoneMisses() {
        XCTAssertEqual(summary([(1, 1, 1), (1, 1, 2)]).targetEpoch?.epoch, 1)
    }

    func testEpochsWithoutAValidationPassAreSkipped() {
        let s = summary([(0.5, 0.5, 1), (nil, nil, 2), (1, 1, 3), (nil, nil, 4), (1, 1, 5)])
        XCTAssertEqual(s.targetEpoch?.epoch, 3)
        XCTAssertNil(summary([(nil, nil, 1), (nil, nil, 2)]).targetEpoch)
    }

    func testEpochSecondsComeFromTheCumulativeElapsedTimes() {
        let s = summary([(nil, nil, 1), (nil, nil, 3), (nil, nil, 3.5), (nil, nil, 9.5)])
        XCTAssertEqual(s.epochSeconds, [1, 2, 0.5, 6])
        XCTAssertEqual(s.medianEpochSeconds, 1.5)
        XCTAssertEqual(summary([(nil, nil, 1), (nil, nil, 3), (nil, nil, 10)]).medianEpochSeconds, 2)
        XCTAssertNil(summary([]).medianEpochSeconds)
    }
}
