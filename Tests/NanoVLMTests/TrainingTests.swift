import NanoTensor
import Datasets
import XCTest

@testable import NanoVLM

final class TrainingTests: XCTestCase {
    func trainTiny(seed: UInt64, epochs: Int = 3) -> (DualEncoder, TrainingSummary) {
        var training = TrainingConfiguration()
        training.epochs = epochs
        training.seed = seed
        training.threads = 2  // two data-parallel shards: still deterministic
        let trainer = Trainer(model: tinyConfiguration(seed: seed), training: training)
        return trainer.train()
    }

    func testSameSeedGivesIdenticalWeightsAndCurve() {
        let (a, summaryA) = trainTiny(seed: 7)
        let (b, summaryB) = trainTiny(seed: 7)
        XCTAssertEqual(a.parameters.array, b.parameters.array, "same seed, same configuration → same weights")
        XCTAssertEqual(summaryA.history.map(\.loss), summaryB.history.map(\.loss))
        let (c, _) = trainTiny(seed: 8)
        XCTAssertNotEqual(a.parameters.array, c.parameters.array, "another seed gives other weights")
    }

    func testInitialisationIsSeeded() {
        let a = DualEncoder(config: tinyConfiguration(seed: 1), vocabularySize: 22)
        let b = DualEncoder(config: tinyConfiguration(seed: 1), vocabularySize: 22)
        let c = DualEncoder(config: tinyConfiguration(seed: 2), vocabularySize: 22)
        XCTAssertEqual(a.parameters.array, b.parameters.array)
        XCTAssertNotEqual(a.parameters.array, c.parameters.array)
        XCTAssertEqual(a.tensor("image_encoder.norm.weight"), [Float](repeating: 1, count: 8))
        XCTAssertEqual(a.tensor("text_encoder.projection.bias"), [Float](repeating: 0, count: 8))
    }

    func testTrainingLowersTheLossAndReportsProgress() {
        var reports: [EpochReport] = []
        var training = TrainingConfiguration()
        training.epochs = 12
        training.threads = 1
        let trainer = Trainer(model: tinyConfiguration(), training: training)
        let (_, summary) = trainer.train { reports.append($0) }
        XCTAssertEqual(reports.map(\.epoch), Array(1...12))
        XCTAssertLessThan(summary.finalLoss, reports[0].loss * 0.8, "the contrastive loss falls")
        XCTAssertNotNil(reports.last?.valR1ImageToText)
        XCTAssertEqual(summary.history, reports)
        XCTAssertFalse(summary.blasCore.isEmpty)
    }

    func testParameterCountOfTheDefaultModel() {
        let model = DualEncoder(config: ModelConfiguration(), vocabularySize: ShapesVocabulary.tokens.count)
        // convs: 3·32·9+32, 32·64·9+64, 64·128·9+128, 128·128·9+128, 128·32·9+32; norms 2·32;
        // text: 22·64 + 32·64 + 32 + 2·32.
        let encoders = (864 + 32) + (18432 + 64) + (73728 + 128) + (147456 + 128) + (36864 + 32) + 64
            + 1408 + 2048 + 32 + 64
        // The caption decoder (C 64, P 4, 2 blocks of MLP 128): prefix 256·32 + 256; tokens 22·64;
        // positions 20·64; per block 2·64 + 192·64 + 192 + 64·64 + 64 + 2·64 + 128·64 + 128 + 64·128 + 64;
        // norm 2·64; head 22·64 + 22.
        let block = 128 + 12288 + 192 + 4096 + 64 + 128 + 8192 + 128 + 8192 + 64
        let decoder = (8192 + 256) + 1408 + 1280 + 2 * block + 128 + (1408 + 22)
        XCTAssertEqual(model.encoderParameters.count, encoders)
        XCTAssertEqual(model.decoderParameters.count, decoder)
        XCTAssertEqual(model.parameterCount, encoders + decoder)
        XCTAssertEqual(model.layout.entry("image_encoder.convs.1.weight")?.shape, [64, 32, 3, 3])
        XCTAssertEqual(model.layout.entry("text_encoder.projection.weight")?.shape, [32, 64])
    }

    func testCosineScheduleDecaysToTheFloor() {
        var t = TrainingConfiguration()
        t.epochs = 11
        t.learningRate = 1e-2
        t.minLearningRate = 1e-4
        XCTAssertEqual(t.learningRate(epoch: 1), 1e-2, accuracy: 1e-12)
        XCTAssertEqual(t.learningRate(epoch: 6), (1e-2 + 1e-4) / 2, accuracy: 1e-12)
        XCTAssertEqual(t.learningRate(epoch: 11), 1e-4, accuracy: 1e-12)
        t.schedule = "constant"
        XCTAssertEqual(t.learningRate(epoch: 11), 1e-2)
    }
}
