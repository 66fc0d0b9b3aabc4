import Digest
import Foundation
import ImageIO
import JSON
import NanoTensor

#if canImport(Glibc)
    import Glibc
#endif

/// A dataset read from files (`folder:`, `coco:`, `tsv:`): the listed images that decode,
/// each with one or more captions, an open vocabulary built from the training captions, a
/// seeded split by image, and decoded inputs cached between runs (docs/DATASETS.md).
public final class FileDataset: Dataset, @unchecked Sendable {
    public let source: DatasetSource
    public let configuration: DataConfiguration
    public let vocabulary: Vocabulary
    public let maxWords: Int
    public let digest: String?
    public let report: LoadReport
    /// The seed the vocabulary's training split was drawn with.
    public let seed: UInt64
    /// The side of the model inputs.
    public let side: Int
    private let items: [ListedImage]
    private let tokens: [[[Int]]]
    /// Index into `inputs` of each item (skipped files leave gaps).
    private let inputIndex: [Int]
    private let inputs: InputCache
    private let trainingSplit: Split

    public var name: String { source.description }
    public var count: Int { items.count }
    public var loadReport: LoadReport? { report }

    /// Lists, decodes (or maps the cached inputs of) and tokenises the dataset `configuration`
    /// names; `seed` draws the split whose training captions make the vocabulary.
    /// `progress` hears (decoded, total) while images are decoded.
    public init(
        _ configuration: DataConfiguration, seed: UInt64, side: Int = 32, threads: Int = 2,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws {
        let source = try DatasetSource(configuration.source)
        self.source = source
        self.configuration = configuration
        self.seed = seed
        self.side = side
        maxWords = configuration.maxWords
        var report = LoadReport()
        let listed: [ListedImage]
        switch source {
        case .folder(let directory): listed = try FolderListing.read(directory, report: &report)
        case .coco(let file):
            listed = try COCOListing.read(file, imagesDirectory: configuration.imagesDir, report: &report)
        case .tsv(let file): listed = try TSVListing.read(file, report: &report)
        case .generated(let name): throw DatasetError("\(name) is generated in code, not read from files")
        }

        // The digest covers names, sizes and captions; the cache key adds modification
        // times, the input side and the crop, so a touched file is decoded again.
        var identity: [UInt8] = []
        var cacheIdentity: [UInt8] = []
        for image in listed {
            var info = stat()
            let found = stat(image.path, &info) == 0
            let size = found ? Int(info.st_size) : -1
            let line = "\(image.name)\t\(size)\t\(image.captions.joined(separator: "\t"))\n"
            identity += Array(line.utf8)
            cacheIdentity += Array(
                "\(line)\(found ? Int(info.st_mtim.tv_sec) : 0).\(found ? info.st_mtim.tv_nsec : 0)\n".utf8)
        }
        let digest = SHA256.hex(identity)
        self.digest = digest
        let crop = configuration.crop
        cacheIdentity += Array("side \(side) crop \(crop) v2".utf8)
        let key = String(SHA256.hex(cacheIdentity).prefix(32))
        let total = listed.count
        let inputs = try InputCache.open(
            key: key, folder: configuration.cacheDir, paths: listed.map(\.path), side: side, threads: threads,
            decode: { path in try SourceImage.decodeForModel(path: path, side: side, crop: crop) },
            progress: { progress($0, total) })
        self.inputs = inputs

        var kept: [ListedImage] = [], keptIndex: [Int] = []
        for (index, image) in listed.enumerated() {
            if let why = inputs.failures[index] {
                report.skip(image.name, why)
                continue
            }
            var usable = image
            usable.captions = image.captions.filter { !OpenVocabulary.words($0).isEmpty }
            for dropped in image.captions where OpenVocabulary.words(dropped).isEmpty {
                report.note(image.name, "the caption \"\(dropped.prefix(40))\" has no words; it is not used")
            }
            guard !usable.captions.isEmpty else {
                report.skip(image.name, "no caption with a word in it")
                continue
            }
            kept.append(usable)
            keptIndex.append(index)
        }
        try report.check(maxSkippedFraction: configuration.maxSkippedFraction, source: source.description)
        guard kept.count >= 2 else {
            throw DatasetError(
                "\(source): \(kept.count) usable image\(kept.count == 1 ? "" : "s"); a dataset needs at least 2"
                    + (report.lines.isEmpty ? "" : " (first problem: \(report.lines[0]))"))
        }
        items = kept
        inputIndex = keptIndex

        let split = Self.split(count: kept.count, fraction: configuration.validationFraction, seed: seed)
        trainingSplit = split
        let vocabulary = OpenVocabulary.build(
            captions: split.train.flatMap { kept[$0].captions }, minCount: configuration.minWordCount)
        self.vocabulary = vocabulary
        var truncated = 0
        tokens = kept.map { image in
            image.captions.map { caption in
                let (t, cut) = OpenVocabulary.tokens(caption, vocabulary: vocabulary, maxWords: configuration.maxWords)
                if cut { truncated += 1 }
                return t
            }
        }
        report.truncatedCaptions = truncated
        self.report = report
    }

    /// `fraction` of the ids (at least one, and at least one left to train on), seeded.
    static func split(count: Int, fraction: Double, seed: UInt64) -> Split {
        var ids = Array(0..<count)
        var rng = SeededRandom(seed: seed)
        rng.shuffle(&ids)
        let validation = min(count - 1, max(1, Int((Double(count) * fraction).rounded())))
        return Split(seed: seed, train: ids[validation...].sorted(), validation: ids[..<validation].sorted())
    }

    public func caption(of id: Int) -> String { items[id].captions[0] }
    public func captionTokens(of id: Int) -> [Int] { tokens[id][0] }
    public func captions(of id: Int) -> [String] { items[id].captions }
    public func allCaptionTokens(of id: Int) -> [[Int]] { tokens[id] }

    public func parse(query: String) throws -> ParsedQuery {
        try OpenQueryParser(vocabulary: vocabulary, maxWords: maxWords).parse(query)
    }

    public func split(seed: UInt64) -> Split {
        seed == trainingSplit.seed
            ? trainingSplit : Self.split(count: count, fraction: configuration.validationFraction, seed: seed)
    }

    public func galleryImage(_ id: Int) -> RGBImage { inputs.image(inputIndex[id]) }

    /// The item's file, relative to the dataset.
    public func fileName(of id: Int) -> String { items[id].name }

    public func displayImage(of id: Int, maxSide: Int) throws -> RGBImage {
        try SourceImage.decodeForDisplay(path: items[id].path, maxSide: maxSide)
    }

    public func fields(of id: Int) -> [(name: String, value: JSONValue)] { [("file", .string(items[id].name))] }

    /// The cached input moved by up to 1/16 of its side each way (black fills the edge) and
    /// its brightness scaled by 0.85…1.15: photos and drawings alike keep their captions'
    /// meaning under both, unlike flips (left/right) or crops (what is in the picture).
    public func augmentedImage(of id: Int, using rng: inout SeededRandom) -> RGBImage {
        let image = galleryImage(id)
        let reach = max(1, side / 16)
        let dx = rng.below(2 * reach + 1) - reach, dy = rng.below(2 * reach + 1) - reach
        let gain = Float(rng.uniform(0.85, 1.15))
        var pixels = [Float](repeating: 0, count: image.pixels.count)
        for y in 0..<side {
            let sy = y - dy
            guard sy >= 0 && sy < side else { continue }
            for x in 0..<side {
                let sx = x - dx
                guard sx >= 0 && sx < side else { continue }
                for c in 0..<3 {
                    pixels[(y * side + x) * 3 + c] = min(1, image.pixels[(sy * side + sx) * 3 + c] * gain)
                }
            }
        }
        return RGBImage(width: side, height: side, pixels: pixels)
    }
}

/// Reading an image file for the model or for display.
enum SourceImage {
    static func read(_ path: String) throws -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let why = errno
            throw DatasetError(
                why == ENOENT || why == ENOTDIR
                    ? "does not exist (looked for \(path))" : "cannot be read: \(String(cString: strerror(why)))")
        }
        guard info.st_mode & S_IFMT != S_IFDIR else { throw DatasetError("is a folder, not an image file") }
        // An empty regular file has nothing to read, and Foundation's path for files of size 0
        // (meant for /proc) keeps the 4 KiB buffer it reads them into (LeakSanitizer sees it).
        if info.st_mode & S_IFMT == S_IFREG && info.st_size == 0 { return [] }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatasetError(
                "cannot be read: \(access(path, R_OK) == 0 ? "read error" : String(cString: strerror(errno)))")
        }
        return [UInt8](data)
    }

    static func decodeForModel(path: String, side: Int, crop: String) throws -> RGBImage {
        let bytes = try read(path)
        return try ImageDecoding.decodeForModel(bytes, side: side, crop: crop == "none" ? .none : .centre)
    }

    static func decodeForDisplay(path: String, maxSide: Int) throws -> RGBImage {
        try ImageDecoding.decodeForDisplay(try read(path), maxSide: maxSide)
    }
}
