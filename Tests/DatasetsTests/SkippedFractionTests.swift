import Foundation
import TestSupport
import XCTest

@testable import Datasets

/// `data.max_skipped_fraction`: up to it, each skipped entry is a report line and loading
/// goes on; beyond it, loading stops with an error that names the first few problems.
final class SkippedFractionTests: XCTestCase {
    /// `good` captioned images and `bad` without captions (named so that they sort last).
    func folder(good: Int, bad: Int) throws -> Scratch {
        let scratch = try Scratch()
        for n in 0..<good { try scratch.image("set/\(n).png", grey: UInt8(n % 256), captions: ["square \(n)"]) }
        for n in 0..<bad { try scratch.image("set/x\(n).png") }
        return scratch
    }

    func testBeyondTheFractionLoadingStopsNamingTheFirstFive() throws {
        let scratch = try folder(good: 3, bad: 7)
        let source = "folder:\(scratch.path("set"))"
        XCTAssertEqual(
            scratch.failure(source, maxSkippedFraction: 0.01),
            """
            \(source): 7 of 10 entries skipped (70.0%, more than data.max_skipped_fraction 1.0%):
              x0.png: no caption (no x0.txt beside it and no line in captions.tsv)
              x1.png: no caption (no x1.txt beside it and no line in captions.tsv)
              x2.png: no caption (no x2.txt beside it and no line in captions.tsv)
              x3.png: no caption (no x3.txt beside it and no line in captions.tsv)
              x4.png: no caption (no x4.txt beside it and no line in captions.tsv)
              … and 2 more
            """)
    }

    /// 1 of 101 is under 1 %, and 1 of 100 is exactly 1 %: both load, with their line.
    func testUpToTheFractionEachSkipIsAReportLine() throws {
        for good in [100, 99] {
            let scratch = try folder(good: good, bad: 1)
            let dataset = try scratch.open("folder:\(scratch.path("set"))", maxSkippedFraction: 0.01)
            XCTAssertEqual(dataset.count, good)
            XCTAssertEqual(dataset.reportLines, ["x0.png: no caption (no x0.txt beside it and no line in captions.tsv)"])
        }
        let scratch = try folder(good: 98, bad: 2)
        XCTAssertEqual(
            scratch.failure("folder:\(scratch.path("set"))", maxSkippedFraction: 0.01),
            """
            folder:\(scratch.path("set")): 2 of 100 entries skipped (2.0%, more than data.max_skipped_fraction 1.0%):
              x0.png: no caption (no x0.txt beside it and no line in captions.tsv)
              x1.png: no caption (no x1.txt beside it and no line in captions.tsv)
            """)
    }

    /// Notes (a dropped caption line) are listed but count as no skipped entry.
    func testNotesDoNotCountAsSkipped() throws {
        let scratch = try folder(good: 2, bad: 0)
        try scratch.write("set/captions.tsv", text: "0.png\t\n1.png\t  \n")
        let dataset = try scratch.open("folder:\(scratch.path("set"))", maxSkippedFraction: 0)
        XCTAssertEqual(
            dataset.reportLines,
            ["captions.tsv line 1: the caption is empty; line ignored", "captions.tsv line 2: the caption is empty; line ignored"])
        XCTAssertEqual(dataset.report.skipped, 0)
    }
}
