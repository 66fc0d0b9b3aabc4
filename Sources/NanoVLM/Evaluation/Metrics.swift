/// R@1, R@5 and mean rank of one retrieval direction (docs/MODEL.md).
public struct RankMetrics: Codable, Equatable, Sendable {
    public var r1: Double
    public var r5: Double
    public var meanRank: Double

    enum CodingKeys: String, CodingKey { case r1, r5, meanRank = "mean_rank" }

    /// Metrics of queries whose correct candidate is `correct[q]`, from a (Q, C) score matrix.
    /// Rank = 1 + candidates scoring higher + equal-scoring candidates with a smaller index.
    public init(scores: UnsafePointer<Float>, queries: Int, candidates: Int, correct: [Int]) {
        precondition(correct.count == queries)
        var hits1 = 0, hits5 = 0, rankSum = 0
        for q in 0..<queries {
            let row = scores + q * candidates
            let target = correct[q]
            let s = row[target]
            var rank = 1
            for c in 0..<candidates where row[c] > s || (row[c] == s && c < target) { rank += 1 }
            if rank == 1 { hits1 += 1 }
            if rank <= 5 { hits5 += 1 }
            rankSum += rank
        }
        let n = Double(max(queries, 1))
        r1 = Double(hits1) / n
        r5 = Double(hits5) / n
        meanRank = Double(rankSum) / n
    }

    /// From each query's rank (1 = first).
    public init(ranks: [Int]) {
        let n = Double(max(ranks.count, 1))
        r1 = Double(ranks.filter { $0 == 1 }.count) / n
        r5 = Double(ranks.filter { $0 <= 5 }.count) / n
        meanRank = Double(ranks.reduce(0, +)) / n
    }

    public init(r1: Double, r5: Double, meanRank: Double) {
        self.r1 = r1
        self.r5 = r5
        self.meanRank = meanRank
    }

    /// The query-weighted mean of several metric sets with equal query counts.
    public static func mean(_ all: [RankMetrics]) -> RankMetrics {
        let n = Double(max(all.count, 1))
        return RankMetrics(
            r1: all.map(\.r1).reduce(0, +) / n, r5: all.map(\.r5).reduce(0, +) / n,
            meanRank: all.map(\.meanRank).reduce(0, +) / n)
    }
}

/// Both directions.
public struct DirectionMetrics: Codable, Equatable, Sendable {
    public var imageToText: RankMetrics
    public var textToImage: RankMetrics
    enum CodingKeys: String, CodingKey { case imageToText = "image_to_text", textToImage = "text_to_image" }
    public init(imageToText: RankMetrics, textToImage: RankMetrics) {
        self.imageToText = imageToText
        self.textToImage = textToImage
    }
}

/// The evaluation object: `nanovlm eval --json`, `/v1/eval`, `/v1/model`'s metrics.
public struct EvaluationReport: Codable, Equatable, Sendable {
    public struct Validation: Codable, Equatable, Sendable {
        public var amongValidation: DirectionMetrics
        public var amongAll: DirectionMetrics
        enum CodingKeys: String, CodingKey { case amongValidation = "among_validation", amongAll = "among_all" }
    }
    public struct Robustness: Codable, Equatable, Sendable {
        public var amongAll: DirectionMetrics
        public var byPerturbation: [String: DirectionMetrics]
        enum CodingKeys: String, CodingKey { case amongAll = "among_all", byPerturbation = "by_perturbation" }
    }
    public var validation: Validation
    /// nil for a dataset without robustness sets.
    public var robustness: Robustness?
    /// nil for a dataset without a binding test.
    public var binding: BindingReport?
    /// nil for a model without a caption decoder.
    public var captioning: CaptioningReport?

    public init(
        validation: Validation, robustness: Robustness?, binding: BindingReport? = nil,
        captioning: CaptioningReport? = nil
    ) {
        self.validation = validation
        self.robustness = robustness
        self.binding = binding
        self.captioning = captioning
    }
}

/// The binding test (docs/MODEL.md): the share of cases whose true caption scores more
/// than `margin` above its rearrangement, overall and by kind (colour, shape, argument).
public struct BindingReport: Codable, Equatable, Sendable {
    /// Equal scores fail: a text encoder blind to word order ties every case.
    public static let margin: Float = 1e-4
    public var overall: Double
    public var cases: Int
    public var byKind: [String: Double]
    enum CodingKeys: String, CodingKey { case overall, cases, byKind = "by_kind" }
}
