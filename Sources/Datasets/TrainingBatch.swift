import ImageIO
import NanoTensor

/// What one training step sees: images, one caption each (word tokens), optional extra
/// negative captions, and which captions are true of which images.
public struct TrainingBatch: Sendable {
    public var images: [RGBImage]
    /// One caption per image.
    public var words: [[Int]]
    /// Extra negative captions (hard negatives), after the batch's own.
    public var negatives: [[Int]]
    /// (B, B + negatives) 1 where caption j is true of image i; nil when the batch is
    /// one-to-one without negatives (the plain identity targets).
    public var positives: [Float]?

    public init(images: [RGBImage], words: [[Int]], negatives: [[Int]] = [], positives: [Float]? = nil) {
        self.images = images
        self.words = words
        self.negatives = negatives
        self.positives = positives
    }
}

/// How training images are drawn.
public struct TrainingAugmentation: Sendable, Equatable {
    /// Draw augmented renders; off, every image is its gallery image.
    public var enabled: Bool
    /// The share of images left canonical when augmenting.
    public var canonicalFraction: Double
    public init(enabled: Bool, canonicalFraction: Double) {
        self.enabled = enabled
        self.canonicalFraction = canonicalFraction
    }
}

/// One case of the binding test: a true caption of a validation item against a false one
/// with the same words rearranged.
public struct BindingCase: Sendable, Equatable {
    public let item: Int
    public let truth: [Int]
    public let negative: [Int]
    /// The kind of rearrangement: "colour", "shape" or "argument".
    public let kind: String
    public init(item: Int, truth: [Int], negative: [Int], kind: String) {
        self.item = item
        self.truth = truth
        self.negative = negative
        self.kind = kind
    }
}

extension Dataset {
    public var captionTruth: CaptionTruth? { nil }
    public func trainingOrder(_ split: Split) -> [Int] { split.train }
    public var hardNegativesPerExample: Int { 0 }
    public func bindingCases(_ split: Split) -> [BindingCase] { [] }

    /// Items' own images and captions: each image its gallery image or (with augmentation,
    /// outside `canonicalFraction`) an augmented render, then one caption per item, drawn
    /// when it has several. Positives come from `table` when a drawn caption is shared.
    public func trainingBatch(
        _ ids: [Int], split: Split, augmentation: TrainingAugmentation, hardNegatives: Int, table: CaptionTable,
        using rng: inout SeededRandom
    ) -> TrainingBatch {
        let images = ids.map { id -> RGBImage in
            guard augmentation.enabled, rng.uniform() >= augmentation.canonicalFraction else {
                return galleryImage(id)
            }
            return augmentedImage(of: id, using: &rng)
        }
        let words = ids.map { id -> [Int] in
            let captions = allCaptionTokens(of: id)
            return captions.count == 1 ? captions[0] : captions[rng.below(captions.count)]
        }
        return TrainingBatch(
            images: images, words: words, positives: Self.positives(ids: ids, words: words, table: table))
    }

    /// 1 where the caption drawn for item j is also a caption of item i; nil when the batch
    /// is one-to-one (every item's caption its own), which keeps the plain InfoNCE targets.
    static func positives(ids: [Int], words: [[Int]], table: CaptionTable) -> [Float]? {
        let n = ids.count
        let drawn = words.map { table.index(of: $0) ?? -1 }
        var matrix = [Float](repeating: 0, count: n * n)
        var shared = false
        for i in 0..<n {
            let mine = table.ofItem[ids[i]]
            for j in 0..<n where i == j || mine.contains(drawn[j]) {
                matrix[i * n + j] = 1
                if i != j { shared = true }
            }
        }
        return shared ? matrix : nil
    }
}

/// Whether a caption (word tokens) is true of an item's image.
public typealias CaptionTruth = @Sendable (_ tokens: [Int], _ item: Int) -> Bool
