import Foundation

/// An image file and its captions, as a dataset's files list them.
struct ListedImage: Sendable, Equatable {
    /// The path the file is opened by.
    let path: String
    /// The path relative to the dataset (what reports, the digest and exports name).
    let name: String
    var captions: [String]
}

/// Reading the files that list a dataset: the images, their captions, and a report of
/// what was skipped.
enum ImageListing {
    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

    static func isImage(_ path: String) -> Bool {
        imageExtensions.contains((path as NSString).pathExtension.lowercased())
    }

    /// The bytes of a file that lists or captions images, or a sentence saying why there are none.
    static func readBytes(_ path: String) -> Result<[UInt8], DatasetError> {
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(DatasetError("cannot be read"))
        }
        return .success([UInt8](data))
    }

    /// The text of a caption file, or a sentence saying why it has none.
    static func readText(_ path: String) -> Result<String, DatasetError> {
        readBytes(path).flatMap(text)
    }

    /// Caption-file bytes as text: UTF-8, a leading byte-order mark dropped.
    static func text(_ bytes: [UInt8]) -> Result<String, DatasetError> {
        let bytes = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let offset = firstInvalidUTF8(bytes)
            return .failure(DatasetError("is not UTF-8 text (invalid byte at offset \(offset))"))
        }
        return .success(text)
    }

    /// The offset of the first byte that is not part of a valid UTF-8 sequence.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput, .error: return offset
            }
        }
    }

    /// Caption lines: trimmed, blank lines dropped.
    static func captionLines(_ text: String) -> [String] {
        text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    /// `path<TAB>caption` lines (further columns ignored); a first line whose first field is
    /// `path`, `filepath` or `file_name` is a header. Returns (line number, path, caption).
    /// `problem` may refuse a row's path with a sentence: the line is skipped and reported,
    /// in line order with the other problems.
    static func tabSeparated(
        _ text: String, file: String, report: inout LoadReport, problem: (String) -> String? = { _ in nil }
    ) -> [(line: Int, path: String, caption: String)] {
        var rows: [(Int, String, String)] = []
        var number = 0
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            number += 1
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            let first = fields[0].trimmingCharacters(in: .whitespaces)
            if number == 1 && ["path", "filepath", "file_name"].contains(first.lowercased()) { continue }
            guard fields.count >= 2 else {
                report.entries += 1
                report.skip("\(file) line \(number)", "no tab between the image path and the caption")
                continue
            }
            let caption = fields[1].trimmingCharacters(in: .whitespaces)
            guard !first.isEmpty else {
                report.entries += 1
                report.skip("\(file) line \(number)", "the image path is empty")
                continue
            }
            guard !caption.isEmpty else {
                report.note("\(file) line \(number)", "the caption is empty; line ignored")
                continue
            }
            let path = normalised(first)
            // `.`, `./` or `//` name the folder itself, not a file in it.
            guard !path.isEmpty, path != "/" else {
                report.entries += 1
                report.skip("\(file) line \(number)", "the image path \"\(first)\" names no file")
                continue
            }
            if let why = problem(path) {
                report.entries += 1
                report.skip("\(file) line \(number)", why)
                continue
            }
            rows.append((number, path, caption))
        }
        return rows
    }

    /// A path without `./` and repeated slashes, so `./a//b.png` and `a/b.png` match; an
    /// absolute path stays absolute.
    static func normalised(_ path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
    }

    /// Adds `caption` to `captions` unless an identical one is there.
    static func add(_ caption: String, to captions: inout [String], report: inout LoadReport) {
        if captions.contains(caption) {
            report.duplicateCaptions += 1
        } else {
            captions.append(caption)
        }
    }
}
