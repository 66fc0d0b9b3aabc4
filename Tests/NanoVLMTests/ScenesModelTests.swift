import Datasets
import ImageIO
import NanoTensor
import SafeTensors
import XCTest

@testable import NanoVLM

/// What the scenes set asks of the model: a word-order-blind encoder ties every binding case,
/// an encoder with positions does not, and training with hard negatives records the
/// binding test in the epoch reports and the evaluation.
final class ScenesModelTests: XCTestCase {
    static let small: ScenesDataset = {
        var data = DataConfiguration()
        data.source = "scenes"
        data.scenes.gallerySize = 200
        data.scenes.trainingScenes = 256
        return ScenesDataset(data)
    }()

    func model(_ text: TextEncoderKind, dataset: any Dataset = small) -> DualEncoder {
        var config = ModelConfiguration()
        config.textEncoder = text
        return DualEncoder(
            config: config, vocabularySize: dataset.vocabulary.count, sequenceLength: dataset.maxWords + 1)
    }

    func testTheMeanEncoderGivesACaptionAndItsSwapsOneEmbedding() throws {
        let mean = model(.mean)
        let d = mean.dim
        for id in [0, 17, 150] {
            let caption = Self.small.scenes[id].canonicalCaption
            let sequences = [caption] + caption.swaps.map(\.caption)
            let embedded = mean.embed(tokenSequences: sequences.map(ScenesVocabulary.tokens(of:)))
            for s in 1..<sequences.count {
                for k in 0..<d { XCTAssertEqual(embedded[s * d + k], embedded[k], accuracy: 1e-6) }
            }
        }
        let report = Evaluator.binding(
            mean, dataset: Self.small, cases: Self.small.bindingCases(Self.small.split(seed: 0)))
        XCTAssertEqual(report.overall, 0, "every case ties, and ties fail")
        XCTAssertEqual(report.byKind, ["colour": 0, "shape": 0, "argument": 0])
        XCTAssertGreaterThan(report.cases, 40)
    }

    func testAnEncoderWithPositionsTellsTheSwapsApart() {
        let attention = model(.attention)
        let cases = Self.small.bindingCases(Self.small.split(seed: 0))
        let embedded = attention.embed(tokenSequences: cases.flatMap { [$0.truth, $0.negative] })
        let d = attention.dim
        for c in cases.indices.prefix(30) {
            var distance: Float = 0
            for k in 0..<d { distance += abs(embedded[2 * c * d + k] - embedded[(2 * c + 1) * d + k]) }
            XCTAssertGreaterThan(distance, 1e-3, "case \(c)")
        }
        // Untrained, about half the cases pass by chance; none tie.
        let report = Evaluator.binding(attention, dataset: Self.small, cases: cases)
        XCTAssertGreaterThan(report.overall, 0.2)
        XCTAssertLessThan(report.overall, 0.8)
    }

    func testTrainingWithHardNegativesRecordsTheBindingTest() throws {
        var model = ModelConfiguration()
        model.textEncoder = .attention
        var training = TrainingConfiguration()
        training.epochs = 3
        training.batchSize = 64
        training.hardNegatives = 1
        training.warmupEpochs = 1
        let trainer = Trainer(model: model, training: training, dataset: Self.small)
        var reports: [EpochReport] = []
        let (trained, summary) = trainer.train { reports.append($0) }
        XCTAssertEqual(reports.count, 3)
        for report in reports { XCTAssertNotNil(report.binding, "epoch \(report.epoch)") }
        // Warm-up: the first epoch ends below the schedule's rate.
        XCTAssertLessThan(reports[0].learningRate, training.learningRate(epoch: 1))
        XCTAssertLessThan(summary.history.last!.loss, summary.history.first!.loss)
        let metrics = Evaluator.evaluate(trained, dataset: Self.small, split: trainer.split)
        let binding = try XCTUnwrap(metrics.binding)
        XCTAssertEqual(binding.cases, Self.small.bindingCases(trainer.split).count)
        XCTAssertEqual(Set(binding.byKind.keys), ["colour", "shape", "argument"])
        XCTAssertEqual(metrics.robustness?.byPerturbation.count, 5)
        // The shapes set has no binding test.
        XCTAssertNil(ShapesDataset().bindingCases(ShapesDataset().split(seed: 0)).first)
    }

    func testTheWeightsReopenTheGalleryTheyWereTrainedWith() throws {
        let saved = try Checkpoint(model: model(.attention), dataset: Self.small).encode()
        let reopened = try XCTUnwrap(try Checkpoint.decode(saved).dataset as? ScenesDataset)
        XCTAssertEqual(reopened.count, 200)
        XCTAssertEqual(reopened.scenes, Self.small.scenes)
        // Default settings are not recorded (and the shapes set's bytes stay as they were).
        let plain = ScenesDataset()
        let file = try SafeTensorsFile.decode(try Checkpoint(model: model(.attention, dataset: plain), dataset: plain).encode())
        XCTAssertNil(file.metadata["data_config"])
        XCTAssertEqual(try XCTUnwrap(try Checkpoint.decode(try Checkpoint(model: model(.attention, dataset: plain), dataset: plain).encode()).dataset as? ScenesDataset).count, 2000)
    }

    func testWarmUpRampsTheRateStepByStep() {
        var training = TrainingConfiguration()
        training.epochs = 10
        training.learningRate = 1e-2
        training.schedule = "constant"
        training.warmupEpochs = 2
        XCTAssertEqual(training.learningRate(epoch: 1, step: 0, stepsPerEpoch: 4), 1e-2 / 9, accuracy: 1e-12)
        XCTAssertEqual(training.learningRate(epoch: 2, step: 7, stepsPerEpoch: 4), 1e-2 * 8 / 9, accuracy: 1e-12)
        XCTAssertEqual(training.learningRate(epoch: 3, step: 8, stepsPerEpoch: 4), 1e-2)
        training.warmupEpochs = 0
        XCTAssertEqual(training.learningRate(epoch: 1, step: 0, stepsPerEpoch: 4), 1e-2)
        training.warmupEpochs = -1
        XCTAssertThrowsError(try training.validate())
    }
}
