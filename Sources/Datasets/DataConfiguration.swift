import Foundation

/// What the model is trained on and the gallery holds, and how files become items
/// (docs/CONFIGURATION.md, `data`). Saved in the weights' metadata with the dataset's digest,
/// so that `eval`, `query` and `serve` reopen the same dataset the same way.
public struct DataConfiguration: Codable, Equatable, Sendable {
    /// `shapes`, `scenes`, `folder:DIR`, `coco:FILE.json` or `tsv:FILE`.
    public var source = "shapes"
    /// Seed of a generated set's own draws: the scenes set's held-out pairs and gallery.
    public var seed: UInt64 = 0
    /// The share of images (not captions) held out for validation.
    public var validationFraction = 0.2
    /// Words seen fewer times than this in the training captions become `[UNK]`.
    public var minWordCount = 1
    /// Words a caption keeps; longer captions are truncated (and counted in the report).
    public var maxWords = 32
    /// `centre`: crop the central square before scaling; `none`: squash to a square.
    public var crop = "centre"
    /// Loading fails when more than this share of the entries is skipped.
    public var maxSkippedFraction = 0.01
    /// For `coco:`: the folder image `file_name`s are relative to (default: the JSON file's).
    public var imagesDir = ""
    /// Where decoded model inputs are kept between runs; empty keeps them in memory only.
    public var cacheDir = "artifacts/cache"
    /// The scenes set's sizes.
    public var scenes = ScenesSettings()

    public init() {}

    enum CodingKeys: String, CodingKey {
        case source, validationFraction = "validation_fraction", minWordCount = "min_word_count"
        case maxWords = "max_words", crop, maxSkippedFraction = "max_skipped_fraction", imagesDir = "images_dir"
        case cacheDir = "cache_dir", seed, scenes
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DataConfiguration()
        source = try c.decodeIfPresent(String.self, forKey: .source) ?? d.source
        validationFraction = try c.decodeIfPresent(Double.self, forKey: .validationFraction) ?? d.validationFraction
        minWordCount = try c.decodeIfPresent(Int.self, forKey: .minWordCount) ?? d.minWordCount
        maxWords = try c.decodeIfPresent(Int.self, forKey: .maxWords) ?? d.maxWords
        crop = try c.decodeIfPresent(String.self, forKey: .crop) ?? d.crop
        maxSkippedFraction = try c.decodeIfPresent(Double.self, forKey: .maxSkippedFraction) ?? d.maxSkippedFraction
        imagesDir = try c.decodeIfPresent(String.self, forKey: .imagesDir) ?? d.imagesDir
        cacheDir = try c.decodeIfPresent(String.self, forKey: .cacheDir) ?? d.cacheDir
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        scenes = try c.decodeIfPresent(ScenesSettings.self, forKey: .scenes) ?? d.scenes
    }

    public func validate() throws {
        func fail(_ key: String, _ why: String) -> ConfigurationError {
            ConfigurationError(key: "data.\(key)", message: why)
        }
        do {
            _ = try DatasetSource(source)
        } catch let error as DatasetError {
            throw fail("source", error.message)
        }
        guard validationFraction > 0 && validationFraction < 1 else {
            throw fail("validation_fraction", "must be in (0, 1) (got \(validationFraction))")
        }
        guard (1...1_000_000).contains(minWordCount) else {
            throw fail("min_word_count", "must be in 1…1000000 (got \(minWordCount))")
        }
        guard (1...DatasetLimits.maxWords).contains(maxWords) else {
            throw fail("max_words", "must be in 1…\(DatasetLimits.maxWords) (got \(maxWords))")
        }
        guard ["centre", "none"].contains(crop) else {
            throw fail("crop", "must be \"centre\" or \"none\" (got \"\(crop)\")")
        }
        guard (0...1).contains(maxSkippedFraction) else {
            throw fail("max_skipped_fraction", "must be in [0, 1] (got \(maxSkippedFraction))")
        }
        guard (10...ScenesSettings.maxGallerySize).contains(scenes.gallerySize) else {
            throw fail(
                "scenes.gallery_size", "must be in 10…\(ScenesSettings.maxGallerySize) (got \(scenes.gallerySize))")
        }
        guard (1...1_000_000).contains(scenes.trainingScenes) else {
            throw fail("scenes.training_scenes", "must be in 1…1000000 (got \(scenes.trainingScenes))")
        }
    }
}

/// `data.scenes`: how many scenes the gallery holds and how many fresh ones an epoch draws.
public struct ScenesSettings: Codable, Equatable, Sendable {
    /// Gallery scenes: four fifths of training pairs, one fifth of held-out pairs.
    public var gallerySize = 2000
    /// Fresh training scenes per epoch.
    public var trainingScenes = 3200
    /// A fifth of the gallery must fit in the held-out pairs' 70 · 72 distinct scenes.
    public static let maxGallerySize = 25_000

    public init() {}

    enum CodingKeys: String, CodingKey { case gallerySize = "gallery_size", trainingScenes = "training_scenes" }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ScenesSettings()
        gallerySize = try c.decodeIfPresent(Int.self, forKey: .gallerySize) ?? d.gallerySize
        trainingScenes = try c.decodeIfPresent(Int.self, forKey: .trainingScenes) ?? d.trainingScenes
    }
}

/// Bounds that hold for every dataset.
public enum DatasetLimits {
    /// Words a caption may keep (the text encoders take `[CLS]` plus this many tokens).
    public static let maxWords = 64
}

/// Where a dataset comes from, parsed from `data.source`.
public enum DatasetSource: Equatable, Sendable, CustomStringConvertible {
    /// A dataset generated in code, by registered name: `shapes`.
    case generated(String)
    case folder(String)
    case coco(String)
    case tsv(String)

    public init(_ text: String) throws {
        let kinds = "\(DatasetRegistry.names.joined(separator: ", ")), folder:DIR, coco:FILE.json or tsv:FILE"
        if let colon = text.firstIndex(of: ":") {
            let kind = String(text[..<colon]), path = String(text[text.index(after: colon)...])
            guard !path.isEmpty else { throw DatasetError("\"\(text)\" names no path; use \(kinds)") }
            switch kind {
            case "folder": self = .folder(path)
            case "coco": self = .coco(path)
            case "tsv": self = .tsv(path)
            default: throw DatasetError("unknown kind \"\(kind)\" in \"\(text)\"; use \(kinds)")
            }
            return
        }
        guard DatasetRegistry.names.contains(text) else {
            throw DatasetError(
                "unknown dataset \"\(text)\"; use \(DatasetRegistry.names.joined(separator: ", ")), "
                    + "folder:DIR, coco:FILE.json or tsv:FILE")
        }
        self = .generated(text)
    }

    public var description: String {
        switch self {
        case .generated(let name): name
        case .folder(let path): "folder:\(path)"
        case .coco(let path): "coco:\(path)"
        case .tsv(let path): "tsv:\(path)"
        }
    }

    /// The kind alone: `shapes`, `folder`, `coco` or `tsv`.
    public var kind: String {
        switch self {
        case .generated(let name): name
        case .folder: "folder"
        case .coco: "coco"
        case .tsv: "tsv"
        }
    }
}
