/// What loading a dataset from files skipped or changed, one line per problem, and the
/// counts that decide whether loading goes on.
public struct LoadReport: Sendable, Equatable, Codable {
    /// One problem: the file (and place in it) it concerns, and what happened.
    public struct Line: Sendable, Equatable, Codable, CustomStringConvertible {
        public let file: String
        public let problem: String
        public var description: String { "\(file): \(problem)" }
    }

    public private(set) var lines: [Line] = []
    /// Entries looked at: images found plus caption entries that name no image.
    public var entries = 0
    /// Entries skipped: images without a usable caption or that do not decode, and
    /// captions without an image.
    public private(set) var skipped = 0
    /// Captions cut to `data.max_words` words.
    public var truncatedCaptions = 0
    /// Identical captions of one image, kept once.
    public var duplicateCaptions = 0

    public init() {}

    /// A problem that skips an entry.
    public mutating func skip(_ file: String, _ problem: String) {
        skipped += 1
        lines.append(Line(file: file, problem: problem))
    }

    /// A problem that skips nothing (a caption line that was dropped, a duplicate).
    public mutating func note(_ file: String, _ problem: String) {
        lines.append(Line(file: file, problem: problem))
    }

    public var skippedFraction: Double { entries == 0 ? 0 : Double(skipped) / Double(entries) }

    /// Fails, naming the first few problems, when more than `fraction` of the entries was skipped.
    public func check(maxSkippedFraction fraction: Double, source: String) throws {
        guard skippedFraction > fraction else { return }
        let first = lines.prefix(5).map { "  " + $0.description }.joined(separator: "\n")
        let more = lines.count > 5 ? "\n  … and \(lines.count - 5) more" : ""
        throw DatasetError(
            "\(source): \(skipped) of \(entries) entries skipped (\(percent(skippedFraction)), more than "
                + "data.max_skipped_fraction \(percent(fraction))):\n\(first)\(more)")
    }

    private func percent(_ x: Double) -> String {
        let tenths = (x * 1000).rounded() / 10
        return "\(tenths)%"
    }
}
