import Foundation
import XCTest

/// What a person reads on the terminal when a folder dataset has problems: the load report
/// (a summary and one line per problem) while within `data.max_skipped_fraction`, and the
/// error that names the first problems beyond it.
final class DatasetReportEndToEndTests: XCTestCase {
    func testTheLoadReportAndTheSkippedFractionError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nanovlm-report-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let set = directory.appendingPathComponent("set")
        try FileManager.default.createDirectory(at: set, withIntermediateDirectories: true)
        for (name, id) in [("a.png", 0), ("b.png", 100), ("c.png", 200)] {
            try Data(PNGs.canonical(id)).write(to: set.appendingPathComponent(name))
        }
        try Data("a red thing\na red thing\n".utf8).write(to: set.appendingPathComponent("a.txt"))
        try Data("b.png\ta green thing\nmissing.png\tnothing\nb.png\t\n".utf8).write(
            to: set.appendingPathComponent("captions.tsv"))
        let source = "folder:\(set.path)"
        let out = directory.appendingPathComponent("out").path
        let cache = ["NANOVLM_DATA_CACHE_DIR": directory.appendingPathComponent("cache").path]

        let within = try runNanoVLM(
            ["dataset", "--dataset", source, "--out", out], in: directory,
            environment: cache.merging(["NANOVLM_DATA_MAX_SKIPPED_FRACTION": "0.5"]) { $1 })
        XCTAssertEqual(within.status, 0, within.stderr)
        XCTAssertEqual(
            within.stderr,
            """
            decoding images 2/2
            \(source): 2 images, 2 distinct captions, 3 words; skipped 2 of 4 entries; 1 repeated captions kept once
              captions.tsv line 2: no image missing.png in the folder
              captions.tsv line 3: the caption is empty; line ignored
              c.png: no caption (no c.txt beside it and no line in captions.tsv)

            """)
        XCTAssertEqual(within.stdout, "wrote 2 PNGs and captions.tsv (2 captions) to \(out)\n")

        // The inputs are cached by now: nothing is decoded again.
        let beyond = try runNanoVLM(["dataset", "--dataset", source, "--out", out], in: directory, environment: cache)
        XCTAssertEqual(beyond.status, 1)
        XCTAssertEqual(
            beyond.stderr,
            """
            Error: \(source): 2 of 4 entries skipped (50.0%, more than data.max_skipped_fraction 1.0%):
              captions.tsv line 2: no image missing.png in the folder
              captions.tsv line 3: the caption is empty; line ignored
              c.png: no caption (no c.txt beside it and no line in captions.tsv)

            """)
    }
}
