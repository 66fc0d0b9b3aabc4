import NanoTensor
import Datasets
import XCTest

final class SplitTests: XCTestCase {
    /// Seed 0's validation ids, computed once from the documented algorithm (by a separate
    /// re-implementation of SplitMix64 + Fisher–Yates outside Swift).
    static let seed0Validation = [
        6, 7, 15, 22, 31, 44, 47, 54, 55, 58, 60, 61, 74, 76, 77, 81, 87, 97, 104, 105, 112, 113, 115, 118,
        124, 127, 137, 140, 141, 142, 148, 157, 159, 163, 164, 175, 180, 182, 189, 191, 192, 197, 201, 204,
        206, 209, 220, 221, 240,
    ]

    func testSizesDisjointAndCovering() {
        for seed: UInt64 in [0, 1, 7, 123_456_789] {
            let split = Shapes.split(seed: seed)
            XCTAssertEqual(split.seed, seed)
            XCTAssertEqual(split.train.count, 194)
            XCTAssertEqual(split.validation.count, 49)
            XCTAssertEqual(split.train, split.train.sorted())
            XCTAssertEqual(split.validation, split.validation.sorted())
            XCTAssertTrue(Set(split.train).isDisjoint(with: split.validation))
            XCTAssertEqual(Set(split.train).union(split.validation), Set(0..<243))
            for id in 0..<243 {
                XCTAssertEqual(split.isValidation(id), split.validation.contains(id), "id \(id)")
            }
            XCTAssertFalse(split.isValidation(-1))
            XCTAssertFalse(split.isValidation(243))
        }
    }

    func testSameSeedSameSplitDifferentSeedDifferentSplit() {
        XCTAssertEqual(Shapes.split(seed: 0), Shapes.split(seed: 0))
        XCTAssertEqual(Shapes.split(seed: 99), Shapes.split(seed: 99))
        XCTAssertNotEqual(Shapes.split(seed: 0).validation, Shapes.split(seed: 1).validation)
        XCTAssertNotEqual(Shapes.split(seed: 1).validation, Shapes.split(seed: 2).validation)
    }

    func testSeedZeroIsPinned() {
        XCTAssertEqual(Array(Shapes.split(seed: 0).validation.prefix(6)), [6, 7, 15, 22, 31, 44])
        XCTAssertEqual(Shapes.split(seed: 0).validation, Self.seed0Validation)
    }

    /// Re-derives the split from the doc comment's algorithm, drawing raw `next()` values
    /// rather than using `SeededRandom.shuffle`.
    func testMatchesIndependentFisherYates() {
        for seed: UInt64 in [0, 1, 42] {
            var ids = Array(0..<243)
            var rng = SeededRandom(seed: seed)
            var i = ids.count - 1
            while i >= 1 {
                let j = Int(rng.next() % UInt64(i + 1))
                let held = ids[i]
                ids[i] = ids[j]
                ids[j] = held
                i -= 1
            }
            let split = Shapes.split(seed: seed)
            XCTAssertEqual(split.train, ids[0..<194].sorted(), "seed \(seed)")
            XCTAssertEqual(split.validation, ids[194..<243].sorted(), "seed \(seed)")
        }
    }
}
