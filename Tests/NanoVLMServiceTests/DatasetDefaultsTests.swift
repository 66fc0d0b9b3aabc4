import Foundation
import NanoVLM
import XCTest

@testable import NanoVLMService

/// Choosing the scenes set brings its training recipe, unless a setting was given.
final class DatasetDefaultsTests: XCTestCase {
    func testScenesBringTheirRecipeWhereNothingElseWasSaid() throws {
        let plain = try AppConfiguration.load(path: nil, environment: [:])
        XCTAssertEqual(plain.model.textEncoder, .mean)
        XCTAssertEqual(plain.training.hardNegatives, 0)

        let scenes = try AppConfiguration.load(path: nil, environment: ["NANOVLM_DATASET": "scenes"])
        XCTAssertEqual(scenes.model.textEncoder, .attention)
        XCTAssertEqual(scenes.training.hardNegatives, 1)
        XCTAssertEqual(scenes.model.embeddingDim, 128)
        XCTAssertEqual(scenes.training.batchSize, 128)
        XCTAssertEqual(scenes.training.warmupEpochs, 4)
        XCTAssertEqual(scenes.training.captionEpochs, 150)
        XCTAssertEqual(plain.training.captionEpochs, 50)
        for recipe in DatasetDefaults.recipes.values.joined() {
            for (leaf, text) in recipe.settings.merging(recipe.when, uniquingKeysWith: { a, _ in a }) {
                XCTAssertNotNil(AppConfiguration.value(at: leaf, in: try AppConfiguration.defaultTree()), leaf)
                XCTAssertFalse(text.isEmpty)
            }
        }

        // A flag or environment variable wins over the recipe.
        let flagged = try AppConfiguration.load(
            path: nil, environment: ["NANOVLM_DATASET": "scenes"], overrides: ["model.text_encoder": "mean"])
        XCTAssertEqual(flagged.model.textEncoder, .mean)
        XCTAssertEqual(flagged.training.hardNegatives, 1)
        let environment = try AppConfiguration.load(
            path: nil, environment: ["NANOVLM_DATASET": "scenes", "NANOVLM_TRAINING_EPOCHS": "3"])
        XCTAssertEqual(environment.training.epochs, 3)

        // The checked-in file spells out the general defaults: the recipe still applies over
        // them, and a value the file changes is kept.
        let file = ConfigurationFileTests.path.path
        XCTAssertEqual(
            try AppConfiguration.load(path: file, environment: ["NANOVLM_DATASET": "scenes"]).model.textEncoder,
            .attention)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nanovlm-recipe-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let custom = directory.appendingPathComponent("c.json")
        try Data(#"{"data": {"source": "scenes"}, "training": {"batch_size": 32}}"#.utf8).write(to: custom)
        let loaded = try AppConfiguration.load(path: custom.path, environment: [:])
        XCTAssertEqual(loaded.training.batchSize, 32)
        XCTAssertEqual(loaded.model.textEncoder, .attention)
    }

    func testTransformerEncodersBringTheirRecipeOnShapes() throws {
        let plain = try AppConfiguration.load(path: nil, environment: [:])
        XCTAssertEqual(plain.model.embeddingDim, 32)
        XCTAssertEqual(plain.training.warmupEpochs, 0)
        for overrides in [["model.text_encoder": "attention"], ["model.image_encoder": "vit"]] {
            let chosen = try AppConfiguration.load(path: nil, environment: [:], overrides: overrides)
            XCTAssertEqual(chosen.model.embeddingDim, 128, "\(overrides)")
            XCTAssertEqual(chosen.training.warmupEpochs, 20, "\(overrides)")
            XCTAssertEqual(chosen.training.learningRate, 0.003, "\(overrides)")
            XCTAssertEqual(chosen.training.epochs, 300, "\(overrides)")
        }
        let given = try AppConfiguration.load(
            path: nil, environment: ["NANOVLM_MODEL_EMBEDDING_DIM": "64"], overrides: ["model.text_encoder": "attention"])
        XCTAssertEqual(given.model.embeddingDim, 64)
        XCTAssertEqual(given.training.warmupEpochs, 20)
        // The checked-in file spells out the general defaults, so they give way to the recipe.
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/nanovlm.json").path
        let filed = try AppConfiguration.load(path: file, environment: [:], overrides: ["model.text_encoder": "attention"])
        XCTAssertEqual(filed.training.warmupEpochs, 20)
        XCTAssertEqual(filed.model.embeddingDim, 128)
        // Both transformers: the same recipe, trained for 450 epochs unless told otherwise.
        let both = ["model.image_encoder": "vit", "model.text_encoder": "attention"]
        let pair = try AppConfiguration.load(path: nil, environment: [:], overrides: both)
        XCTAssertEqual(pair.training.epochs, 450)
        XCTAssertEqual(pair.model.embeddingDim, 128)
        var flagged = both
        flagged["training.epochs"] = "40"
        XCTAssertEqual(try AppConfiguration.load(path: nil, environment: [:], overrides: flagged).training.epochs, 40)
    }

    func testTheScenesAndTrainingSettingsRefuseBadValuesByName() {
        let cases: [(String, String, String)] = [
            ("NANOVLM_DATA_SCENES_GALLERY_SIZE", "5", "data.scenes.gallery_size"),
            ("NANOVLM_DATA_SCENES_GALLERY_SIZE", "100000", "data.scenes.gallery_size"),
            ("NANOVLM_DATA_SCENES_TRAINING_SCENES", "0", "data.scenes.training_scenes"),
            ("NANOVLM_DATA_SEED", "-1", "data.seed"),
            ("NANOVLM_DATA_SEED", "many", "data.seed"),
            ("NANOVLM_TRAINING_HARD_NEGATIVES", "true", "training.hard_negatives"),
            ("NANOVLM_TRAINING_HARD_NEGATIVES", "17", "training.hard_negatives"),
            ("NANOVLM_TRAINING_WARMUP_EPOCHS", "-2", "training.warmup_epochs"),
            ("NANOVLM_TRAINING_EVALUATE_EVERY", "0", "training.evaluate_every"),
            ("NANOVLM_TRAINING_WEIGHT_DECAY", "-0.1", "training.weight_decay"),
            ("NANOVLM_TRAINING_WEIGHT_DECAY", "lots", "training.weight_decay"),
            ("NANOVLM_MODEL_VIT_PATCH_OVERLAP", "17", "model.vit.patch_overlap"),
            ("NANOVLM_MODEL_VIT_PATCH_OVERLAP", "1.5", "model.vit.patch_overlap"),
            ("NANOVLM_MODEL_VIT_POOL", "max", "model.vit.pool"),
        ]
        for (name, value, key) in cases {
            XCTAssertThrowsError(try AppConfiguration.load(path: nil, environment: ["NANOVLM_DATASET": "scenes", name: value]))
            { error in
                XCTAssertTrue("\(error)".contains(key), "\(name)=\(value): \(error)")
            }
        }
    }
}
