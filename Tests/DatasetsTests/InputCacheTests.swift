import Foundation
import TestSupport
import XCTest

@testable import Datasets

#if canImport(Glibc)
    import Glibc
#endif

/// The decoded inputs cached under `data.cache_dir`: used while they match their index,
/// decoded again and replaced when the file is damaged, cut short or its index unreadable.
final class InputCacheTests: XCTestCase {
    /// Three images (the middle one a 4×4 of `grey`) in a folder, opened once to build the cache.
    func cached(grey: UInt8 = 100) throws -> (scratch: Scratch, source: String, inputs: String, index: String) {
        let scratch = try Scratch()
        try scratch.image("set/a.png", grey: 10, captions: ["dark"])
        try scratch.image("set/b.png", grey: grey, captions: ["middle"])
        try scratch.image("set/c.png", grey: 250, captions: ["light"])
        let source = "folder:\(scratch.path("set"))"
        _ = try scratch.open(source)
        let files = try FileManager.default.contentsOfDirectory(atPath: scratch.path("cache")).sorted()
        XCTAssertEqual(files.count, 2, "\(files)")
        let inputs = try XCTUnwrap(files.first { $0.hasSuffix(".inputs") })
        let index = try XCTUnwrap(files.first { $0.hasSuffix(".index.json") })
        XCTAssertEqual(index, (inputs as NSString).deletingPathExtension + ".index.json")
        return (scratch, source, scratch.path("cache/\(inputs)"), scratch.path("cache/\(index)"))
    }

    /// Rewrites b.png with another grey of the same byte count and puts its modification
    /// time back: the cache key does not change, so only a rebuilt cache can show the new grey.
    func repaintKeepingTheKey(_ scratch: Scratch, grey: UInt8) throws {
        let path = scratch.path("set/b.png")
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0)
        try scratch.image("set/b.png", grey: grey)
        var times = [info.st_atim, info.st_mtim]
        XCTAssertEqual(utimensat(AT_FDCWD, path, &times, 0), 0)
    }

    func grey(of dataset: FileDataset, _ name: String) throws -> Set<Float> {
        let id = try XCTUnwrap(dataset.ids.first { dataset.fileName(of: $0) == name })
        return Set(dataset.galleryImage(id).pixels)
    }

    func testAnIntactCacheIsUsedWithoutDecoding() throws {
        let (scratch, source, inputs, _) = try cached()
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: inputs)[.size] as? Int, 3 * 32 * 32 * 3)
        try repaintKeepingTheKey(scratch, grey: 200)
        XCTAssertEqual(try grey(of: try scratch.open(source), "b.png"), [Float(100) / 255], "read from the cache")
    }

    func testADamagedCacheIsDecodedAgainAndReplaced() throws {
        let (scratch, source, inputs, _) = try cached()
        let good = try Data(contentsOf: URL(fileURLWithPath: inputs))
        var damaged = good
        damaged[5000] ^= 0x01  // one bit of b.png's input
        try damaged.write(to: URL(fileURLWithPath: inputs))
        try repaintKeepingTheKey(scratch, grey: 200)
        let dataset = try scratch.open(source)
        XCTAssertEqual(try grey(of: dataset, "b.png"), [Float(200) / 255], "decoded again, not read from the damaged cache")
        XCTAssertEqual(try grey(of: dataset, "a.png"), [Float(10) / 255])
        let rebuilt = try Data(contentsOf: URL(fileURLWithPath: inputs))
        XCTAssertEqual(rebuilt.count, good.count)
        XCTAssertNotEqual(rebuilt, damaged, "the damaged file was replaced")
    }

    func testACacheOfTheWrongSizeIsDecodedAgainAndReplaced() throws {
        for size in [0, 3 * 3072 - 1, 3 * 3072 + 7, 2 * 3072] {
            let (scratch, source, inputs, _) = try cached()
            let good = try Data(contentsOf: URL(fileURLWithPath: inputs))
            XCTAssertEqual(truncate(inputs, off_t(size)), 0)
            try repaintKeepingTheKey(scratch, grey: 200)
            XCTAssertEqual(try grey(of: try scratch.open(source), "b.png"), [Float(200) / 255], "size \(size)")
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: inputs)).count, good.count, "size \(size)")
        }
    }

    func testAMissingOrUnreadableIndexMeansDecodingAgain() throws {
        for index in [nil, "", "{", #"{"count": 3, "side": 32, "checksum": "0", "failures": []}"#, "[]"] as [String?] {
            let (scratch, source, _, indexPath) = try cached()
            if let index {
                try Data(index.utf8).write(to: URL(fileURLWithPath: indexPath))
            } else {
                try FileManager.default.removeItem(atPath: indexPath)
            }
            try repaintKeepingTheKey(scratch, grey: 200)
            XCTAssertEqual(try grey(of: try scratch.open(source), "b.png"), [Float(200) / 255], index ?? "no index")
            XCTAssertTrue(FileManager.default.fileExists(atPath: indexPath), "the index is written again")
        }
    }

    /// Decoding failures are kept with the inputs: a cached open reports them the same.
    func testFailuresAreReportedTheSameFromTheCache() throws {
        let scratch = try Scratch()
        try scratch.image("set/a.png", captions: ["one"])
        try scratch.image("set/b.png", captions: ["two"])
        try scratch.write("set/c.png", Array("not a png".utf8))
        try scratch.write("set/c.txt", text: "three\n")
        let source = "folder:\(scratch.path("set"))"
        let first = try scratch.open(source)
        let second = try scratch.open(source)
        XCTAssertEqual(
            first.reportLines,
            ["c.png: the data is not a PNG or JPEG image (it starts with the bytes 6E 6F 74 20); send a PNG or JPEG image"])
        XCTAssertEqual(second.reportLines, first.reportLines)
        XCTAssertEqual(second.count, 2)
    }

    func testTheChecksumDependsOnEveryByteButNotOnHowImagesWereChunked() {
        let n = 3 * 3 * 3  // a 3×3 input: 27 bytes, not a whole number of words
        var bytes = [UInt8]((0..<(4 * n)).map { UInt8(truncatingIfNeeded: $0 &* 37) })
        func checksum(_ chunks: [Int]) -> UInt64 {
            var sum = InputChecksum(bytesPerImage: n)
            bytes.withUnsafeBytes { raw in
                var start = 0
                for count in chunks {
                    sum.add(images: raw.baseAddress! + start * n, count: count)
                    start += count
                }
            }
            return sum.value
        }
        let whole = checksum([4])
        XCTAssertEqual(checksum([1, 1, 1, 1]), whole)
        XCTAssertEqual(checksum([3, 1]), whole)
        for i in [0, 7, 26, 27, 107] {
            bytes[i] ^= 0x10
            XCTAssertNotEqual(checksum([4]), whole, "byte \(i)")
            bytes[i] ^= 0x10
        }
    }
}
