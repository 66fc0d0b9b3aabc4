import Foundation
import ImageIO
import TestSupport
import XCTest

@testable import Datasets

/// A dataset's files in a fresh temporary folder (removed with it), and the dataset they
/// open as: the readers see exactly the bytes a test wrote.
final class Scratch {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("nanovlm-datasets-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    func path(_ name: String) -> String { root.appendingPathComponent(name).path }

    /// Writes `bytes` to `name` (a path under the folder; its folders are made).
    func write(_ name: String, _ bytes: [UInt8]) throws {
        let url = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    func write(_ name: String, text: String) throws { try write(name, Array(text.utf8)) }

    /// A 4×4 PNG of one grey level, and its caption file when `captions` are given.
    func image(_ name: String, grey: UInt8 = 200, captions: [String]? = nil) throws {
        try write(name, StoredPNG.solid(width: 4, height: 4, red: grey, green: grey, blue: grey))
        if let captions {
            try write((name as NSString).deletingPathExtension + ".txt", text: captions.joined(separator: "\n") + "\n")
        }
    }

    /// The settings that open `source` (relative to this folder after the kind's colon), with
    /// the input cache inside the folder and nothing skipped too many unless said.
    func configuration(_ source: String, maxSkippedFraction: Double = 1) -> DataConfiguration {
        var configuration = DataConfiguration()
        configuration.source = source
        configuration.cacheDir = path("cache")
        configuration.maxSkippedFraction = maxSkippedFraction
        return configuration
    }

    func open(_ source: String, maxSkippedFraction: Double = 1) throws -> FileDataset {
        try FileDataset(configuration(source, maxSkippedFraction: maxSkippedFraction), seed: 0)
    }

    /// The message of the error opening `source` throws (fails the test when it opens).
    func failure(_ source: String, maxSkippedFraction: Double = 1, file: StaticString = #filePath, line: UInt = #line)
        -> String
    {
        do {
            let dataset = try open(source, maxSkippedFraction: maxSkippedFraction)
            XCTFail("\(source) opened with \(dataset.count) items; expected an error", file: file, line: line)
            return ""
        } catch let error as DatasetError {
            return error.message
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return ""
        }
    }
}

extension FileDataset {
    /// Every report line as a person reads it.
    var reportLines: [String] { report.lines.map(\.description) }

    /// Item captions by file name.
    var captionsByFile: [String: [String]] {
        Dictionary(uniqueKeysWithValues: ids.map { (fileName(of: $0), captions(of: $0)) })
    }
}
