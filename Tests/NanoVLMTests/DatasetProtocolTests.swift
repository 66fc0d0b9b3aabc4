import Datasets
import ImageIO
import NanoTensor
import XCTest

@testable import NanoVLM

/// A second dataset written only against the `Dataset` protocol: the 27 red items of the
/// shapes set, each with two captions (the canonical one and its words reversed), no
/// robustness sets and no attributes. It keeps a count of the caption sets training asks for.
final class RedShapes: Dataset, @unchecked Sendable {
    let shapes = ShapesDataset()
    /// Shapes ids of the items, by this dataset's id.
    let base = Shapes.pairs.filter { $0.colour == .red }.map(\.id)
    private let lock = NSLock()
    private var requests = 0
    var captionSetRequests: Int { lock.withLock { requests } }

    var name: String { "red-shapes" }
    var count: Int { base.count }
    func caption(of id: Int) -> String { shapes.caption(of: base[id]) }
    func captionTokens(of id: Int) -> [Int] { shapes.captionTokens(of: base[id]) }
    func captions(of id: Int) -> [String] {
        [caption(of: id), caption(of: id).split(separator: " ").reversed().joined(separator: " ")]
    }
    func allCaptionTokens(of id: Int) -> [[Int]] {
        lock.withLock { requests += 1 }
        return [captionTokens(of: id), captionTokens(of: id).reversed()]
    }
    var vocabulary: Vocabulary { shapes.vocabulary }
    func parse(query: String) throws -> ParsedQuery { try shapes.parse(query: query) }
    func split(seed: UInt64) -> Split {
        var ids = Array(0..<count)
        var rng = SeededRandom(seed: seed)
        rng.shuffle(&ids)
        return Split(seed: seed, train: ids[..<21].sorted(), validation: ids[21...].sorted())
    }
    func galleryImage(_ id: Int) -> RGBImage { shapes.galleryImage(base[id]) }
    func augmentedImage(of id: Int, using rng: inout SeededRandom) -> RGBImage {
        shapes.augmentedImage(of: base[id], using: &rng)
    }
}

/// The trainer, the evaluator and the retrieval index take any dataset: nothing in them
/// knows the shapes set.
final class DatasetProtocolTests: XCTestCase {
    func testAnotherDatasetTrainsEvaluatesAndServesThroughTheProtocol() {
        let dataset = RedShapes()
        var training = TrainingConfiguration()
        training.epochs = 3
        training.batchSize = 8
        training.threads = 1
        let (checkpoint, saveError) = TrainingRun.run(
            model: tinyConfiguration(seed: 3), training: training, dataset: dataset, saveTo: nil)
        XCTAssertNil(saveError)
        XCTAssertEqual(checkpoint.dataset.name, "red-shapes")
        // Every training item of every epoch asked for its captions (21 items × 3 epochs),
        // besides the caption tables of training and evaluation.
        XCTAssertGreaterThanOrEqual(dataset.captionSetRequests, 21 * 3)
        let report = try? XCTUnwrap(checkpoint.metrics)
        XCTAssertNil(report?.robustness, "a dataset without robustness sets has no robustness figures")
        let validation = report?.validation.amongAll.imageToText
        XCTAssertNotNil(validation)
        XCTAssertGreaterThanOrEqual(validation?.meanRank ?? 0, 1)
        XCTAssertLessThanOrEqual(validation?.meanRank ?? .infinity, 27)

        let index = RetrievalIndex(model: checkpoint.model, dataset: dataset)
        XCTAssertEqual(index.count, 27)
        XCTAssertEqual(index.imageEmbeddings.count, 27 * index.dim)
        let hits = index.searchImages(tokens: dataset.captionTokens(of: 4), k: 27)
        XCTAssertEqual(Set(hits.map(\.index)), Set(0..<27))
        XCTAssertEqual(index.classify(image: dataset.galleryImage(0)), [], "no attributes, nothing to classify")
        XCTAssertTrue((0...1).contains(index.galleryRecallAt1()))
    }

    /// Captions of more words than the shapes set's three (a file dataset's free text) train
    /// with both text encoders: the trainer's text workspace fits the longest one.
    func testCaptionsLongerThanThreeWordsTrain() {
        for encoder in [TextEncoderKind.mean, .attention] {
            let dataset = LongCaptionShapes()
            var model = tinyConfiguration(seed: 5)
            model.textEncoder = encoder
            var training = TrainingConfiguration()
            training.epochs = 1
            training.batchSize = 8
            training.threads = 2
            let (checkpoint, saveError) = TrainingRun.run(
                model: model, training: training, dataset: dataset, saveTo: nil)
            XCTAssertNil(saveError)
            XCTAssertEqual(checkpoint.summary?.history.count, 1, "\(encoder)")
            XCTAssertTrue(checkpoint.summary?.finalLoss.isFinite ?? false, "\(encoder)")
        }
    }

    func testTheShapesSetIsTheRegisteredDefault() throws {
        XCTAssertEqual(DatasetRegistry.names, ["shapes", "scenes"])
        XCTAssertEqual(DatasetRegistry.defaultName, "shapes")
        XCTAssertEqual(try DatasetRegistry.dataset(named: "shapes").count, 243)
        XCTAssertEqual(try DatasetRegistry.dataset(named: "scenes").count, 2000)
        XCTAssertThrowsError(try DatasetRegistry.dataset(named: "coco")) { error in
            XCTAssertEqual("\(error)", "unknown dataset \"coco\"; known datasets: shapes, scenes")
        }
    }
}

/// The 27 red shapes with one nine-word caption each (the three words, reversed, then again).
final class LongCaptionShapes: Dataset, @unchecked Sendable {
    let red = RedShapes()
    var name: String { "long-captions" }
    var count: Int { red.count }
    func captionTokens(of id: Int) -> [Int] {
        let words = red.captionTokens(of: id)
        return words + words.reversed() + words
    }
    func caption(of id: Int) -> String { captionTokens(of: id).map { vocabulary.tokens[$0] }.joined(separator: " ") }
    var vocabulary: Vocabulary { red.vocabulary }
    func parse(query: String) throws -> ParsedQuery { try red.parse(query: query) }
    func split(seed: UInt64) -> Split { red.split(seed: seed) }
    func galleryImage(_ id: Int) -> RGBImage { red.galleryImage(id) }
    func augmentedImage(of id: Int, using rng: inout SeededRandom) -> RGBImage {
        red.augmentedImage(of: id, using: &rng)
    }
}
