import Datasets
import Dispatch
import ImageIO
import NanoTensor

/// How well a set of written captions describes its images.
public struct CaptionScores: Codable, Equatable, Sendable {
    /// The share that is right: true of the scene for a set that can judge (scenes), else
    /// equal to one of the image's own captions (for the shapes set, its one caption).
    public var exactMatch: Double
    /// The share the dataset's grammar can say (shapes, scenes); nil for sets without one.
    public var parses: Double?
    /// Corpus BLEU-4 against each image's own captions; nil when no written caption has four
    /// words (the shapes set's have three).
    public var bleu4: Double?
    public var count: Int

    enum CodingKeys: String, CodingKey { case exactMatch = "exact_match", parses, bleu4 = "bleu_4", count }
}

/// The `captioning` part of an evaluation: captions written by beam search for the validation
/// images and the robustness renders, beside retrieval-as-captioning (each image's best caption
/// from the gallery's captions) on the same images.
public struct CaptioningReport: Codable, Equatable, Sendable {
    public struct Pair: Codable, Equatable, Sendable {
        public var decoder: CaptionScores
        public var retrieval: CaptionScores
    }
    public var beam: Int
    public var validation: Pair
    /// Over every image of every robustness set; nil for a dataset without them.
    public var robustness: Pair?
}

public enum CaptionEvaluator {
    /// The beam width `eval` writes captions with (the service's default).
    public static let beam = 3

    /// Captions written for `images`, the item each shows, judged.
    static func judge(
        _ written: [[Int]], items: [Int], dataset: any Dataset, truth: CaptionTruth?
    ) -> CaptionScores {
        var right = 0, parsed = 0
        var grammar = false
        for (tokens, item) in zip(written, items) {
            if let truth {
                right += truth(tokens, item) ? 1 : 0
            } else {
                right += dataset.allCaptionTokens(of: item).contains(tokens) ? 1 : 0
            }
            if let says = dataset.isGrammatical(tokens) {
                grammar = true
                parsed += says ? 1 : 0
            }
        }
        let n = Double(max(written.count, 1))
        return CaptionScores(
            exactMatch: Double(right) / n, parses: grammar ? Double(parsed) / n : nil,
            bleu4: written.contains { $0.count >= 4 }
                ? BLEU.corpus(candidates: written, references: items.map(dataset.allCaptionTokens(of:))) : nil,
            count: written.count)
    }

    /// Greedy or beam captions for many images, on as many threads as the model embeds with,
    /// each of at most `maxWords` words.
    static func write(_ model: DualEncoder, images: [RGBImage], beam: Int, maxWords: Int) -> [[Int]] {
        let embeddings = model.embed(images: images)
        let d = model.dim
        var written = [[Int]](repeating: [], count: images.count)
        let threads = max(1, model.inferenceThreads)
        written.withUnsafeMutableBufferPointer { out in
            guard let base = out.baseAddress else { return }
            DispatchQueue.concurrentPerform(iterations: threads) { part in
                for i in stride(from: part, to: images.count, by: threads) {
                    let e = Array(embeddings[(i * d)..<((i + 1) * d)])
                    base[i] =
                        model.caption(embedding: e, beam: beam, maxWords: maxWords)?.first?.tokens ?? []
                }
            }
        }
        return written
    }

    /// The longest caption evaluation lets the decoder write: one word more than any of the
    /// dataset's (a longer one is wrong whatever it says), within the decoder's limit.
    static func maxWords(_ model: DualEncoder, _ table: CaptionTable) -> Int {
        min(model.maxCaptionWords, (table.tokens.map(\.count).max() ?? 0) + 1)
    }

    /// The decoder's scores on the gallery images of `ids`.
    public static func scores(
        _ model: DualEncoder, dataset: any Dataset, ids: [Int], beam: Int, table: CaptionTable? = nil
    ) -> CaptionScores {
        let table = table ?? CaptionTable(dataset)
        return judge(
            write(model, images: ids.map(dataset.galleryImage), beam: beam, maxWords: maxWords(model, table)),
            items: ids, dataset: dataset, truth: dataset.captionTruth)
    }

    /// Each image's highest-scoring caption of `table`.
    static func retrieve(_ model: DualEncoder, images: [RGBImage], table: CaptionTable, texts: [Float]) -> [[Int]] {
        let d = model.dim, n = table.tokens.count
        let embedded = model.embed(images: images)
        return (0..<images.count).map { i in
            var best = 0, bestScore = -Float.infinity
            for c in 0..<n {
                var s: Float = 0
                for k in 0..<d { s += embedded[i * d + k] * texts[c * d + k] }
                if s > bestScore { (best, bestScore) = (c, s) }
            }
            return table.tokens[best]
        }
    }

    /// The full report, or nil when the model has no caption decoder.
    public static func evaluate(
        _ model: DualEncoder, dataset: any Dataset, split: Split, table: CaptionTable? = nil,
        captionEmbeddings: [Float]? = nil, robustnessSets: [RobustnessSet]? = nil, beam: Int = CaptionEvaluator.beam
    ) -> CaptioningReport? {
        guard model.hasCaptionDecoder else { return nil }
        let table = table ?? CaptionTable(dataset)
        let texts = captionEmbeddings ?? Evaluator.captionEmbeddings(model, table)
        let truth = dataset.captionTruth
        func pair(_ images: [RGBImage], _ items: [Int]) -> CaptioningReport.Pair {
            .init(
                decoder: judge(
                    write(model, images: images, beam: beam, maxWords: maxWords(model, table)), items: items,
                    dataset: dataset, truth: truth),
                retrieval: judge(
                    retrieve(model, images: images, table: table, texts: texts), items: items, dataset: dataset,
                    truth: truth))
        }
        let ids = split.validation
        let validation = pair(ids.map(dataset.galleryImage), ids)
        let sets = robustnessSets ?? dataset.robustnessSets
        let robustness =
            sets.isEmpty
            ? nil : pair(sets.flatMap(\.images), sets.flatMap { Array(0..<$0.images.count) })
        return CaptioningReport(beam: beam, validation: validation, robustness: robustness)
    }
}
