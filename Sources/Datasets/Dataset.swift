import ImageIO
import JSON
import NanoTensor

/// A set of image–caption items that nanovlm trains on, evaluates and serves. The trainer,
/// the evaluator, the retrieval index, the service and the command line reach a dataset
/// only through this protocol; a new dataset is a new conformance plus a line in
/// `DatasetRegistry`.
///
/// Items have ids 0..<count. Every item has a gallery image (what the service ranks and
/// serves) and one or more captions; the first is the one the gallery shows and retrieval
/// ranks, and training draws among all of them. Caption tokens index `vocabulary`.
public protocol Dataset: Sendable {
    /// The name the weights record and that selects the dataset, e.g. "shapes".
    var name: String { get }
    var count: Int { get }
    /// The caption the gallery shows for item `id` (the first of `captions(of:)`).
    func caption(of id: Int) -> String
    /// Its word tokens (vocabulary indices, no `[CLS]`).
    func captionTokens(of id: Int) -> [Int]
    /// Every caption of item `id`, the shown one first.
    func captions(of id: Int) -> [String]
    /// Their word tokens, in the order of `captions(of:)`.
    func allCaptionTokens(of id: Int) -> [[Int]]
    var vocabulary: Vocabulary { get }
    /// Free text reduced to vocabulary words, or an error a person can act on.
    func parse(query: String) throws -> ParsedQuery
    /// The train/validation split for a seed: the same seed gives the same split everywhere.
    func split(seed: UInt64) -> Split
    /// The image the gallery shows for item `id`, model-sized.
    func galleryImage(_ id: Int) -> RGBImage
    /// The picture of item `id` for people to look at: its source scaled down so that the
    /// longest side is at most `maxSide` (never up); generated sets give the gallery image.
    func displayImage(of id: Int, maxSide: Int) throws -> RGBImage
    /// Words a caption or query keeps (the text encoder takes `[CLS]` plus this many).
    var maxWords: Int { get }
    /// The settings that open this dataset again (recorded in the weights).
    var configuration: DataConfiguration { get }
    /// SHA-256 of the dataset's list of image files and captions; nil for generated sets.
    var digest: String? { get }
    /// What loading skipped, for datasets read from files.
    var loadReport: LoadReport? { get }
    /// A fresh training image of item `id` (an augmented render), drawing from `rng`.
    func augmentedImage(of id: Int, using rng: inout SeededRandom) -> RGBImage
    /// Image sets for the robustness metrics, each with one image per id; empty when the
    /// dataset has none.
    var robustnessSets: [RobustnessSet] { get }
    /// The names of `robustnessSets`, in order, without drawing them.
    var robustnessSetNames: [String] { get }
    /// Attributes that `/v1/classify` predicts from single-word embeddings; empty when the
    /// dataset has none.
    var attributes: [Attribute] { get }
    /// What `/v1/images` lists for an item beside its id, caption and split, e.g. the
    /// shapes set's colour, shape and position.
    func fields(of id: Int) -> [(name: String, value: JSONValue)]
    /// What search results carry for an item beside its id and caption; none by default.
    func resultFields(of id: Int) -> [(name: String, value: JSONValue)]

    // Training and evaluation (TrainingBatch.swift has the defaults).

    /// Judges whether a caption is true of an item, for sets that can (the scenes set); nil:
    /// a caption is a hit for the items that carry it.
    var captionTruth: CaptionTruth? { get }
    /// The ids an epoch goes through, shuffled by the trainer (default: the training split).
    func trainingOrder(_ split: Split) -> [Int]
    /// The most extra negatives a batch carries per image when asked for hard negatives.
    var hardNegativesPerExample: Int { get }
    /// One training batch for `ids`, a slice of the shuffled `trainingOrder`, with at most
    /// `hardNegatives` extra negatives per image.
    func trainingBatch(
        _ ids: [Int], split: Split, augmentation: TrainingAugmentation, hardNegatives: Int, table: CaptionTable,
        using rng: inout SeededRandom
    ) -> TrainingBatch
    /// The binding test's cases on the validation items; none for sets without one.
    func bindingCases(_ split: Split) -> [BindingCase]
    /// Whether a caption (word tokens) is one the dataset's grammar says; nil for a set without
    /// a grammar (captions read from files).
    func isGrammatical(_ tokens: [Int]) -> Bool?
}

extension Dataset {
    public func captions(of id: Int) -> [String] { [caption(of: id)] }
    public func allCaptionTokens(of id: Int) -> [[Int]] { [captionTokens(of: id)] }
    public var robustnessSets: [RobustnessSet] { [] }
    public var robustnessSetNames: [String] { robustnessSets.map(\.name) }
    public var attributes: [Attribute] { [] }
    public func fields(of id: Int) -> [(name: String, value: JSONValue)] { [] }
    public func resultFields(of id: Int) -> [(name: String, value: JSONValue)] { [] }
    public func displayImage(of id: Int, maxSide: Int) throws -> RGBImage { galleryImage(id) }
    public var maxWords: Int { 15 }
    public var configuration: DataConfiguration {
        var data = DataConfiguration()
        data.source = name
        return data
    }
    public var digest: String? { nil }
    public var loadReport: LoadReport? { nil }
    public var ids: Range<Int> { 0..<count }
    public func isGrammatical(_ tokens: [Int]) -> Bool? { nil }
}

/// One robustness set: a name (a key of the metrics) and one image per item id.
public struct RobustnessSet: Sendable {
    public let name: String
    public let images: [RGBImage]
    public init(name: String, images: [RGBImage]) {
        self.name = name
        self.images = images
    }
}

/// An attribute that `/v1/classify` predicts, with its words in vocabulary order.
public struct Attribute: Sendable, Equatable {
    public let name: String
    public let words: [String]
    public init(name: String, words: [String]) {
        self.name = name
        self.words = words
    }
}

/// A train/validation split of a dataset's ids.
public struct Split: Sendable, Equatable {
    public let seed: UInt64
    /// Training ids, ascending.
    public let train: [Int]
    /// Validation ids, ascending.
    public let validation: [Int]

    public init(seed: UInt64, train: [Int], validation: [Int]) {
        self.seed = seed
        self.train = train
        self.validation = validation
    }

    public func isValidation(_ id: Int) -> Bool {
        // `validation` is sorted: binary search.
        var lower = 0
        var upper = validation.count
        while lower < upper {
            let mid = (lower + upper) / 2
            if validation[mid] < id { lower = mid + 1 } else { upper = mid }
        }
        return lower < validation.count && validation[lower] == id
    }
}
