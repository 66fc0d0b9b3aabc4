import Foundation
import GradientChecking
import ImageIO
import NanoTensor
import SafeTensors
import Datasets
import XCTest

@testable import NanoVLM

/// A small configuration for a combination of encoders (docs/MODEL.md alternatives).
func tinyConfiguration(image: ImageEncoderKind, text: TextEncoderKind, seed: UInt64 = 0) -> ModelConfiguration {
    var config = tinyConfiguration(seed: seed)
    config.imageEncoder = image
    config.textEncoder = text
    config.vit.width = 8
    config.vit.heads = 2
    config.vit.layers = 2
    config.vit.patchSize = 8
    config.attention.heads = 2
    config.attention.layers = 2
    return config
}

/// The attention text encoder and the vision transformer, against the default encoders'
/// guarantees: gradients, padding, word order, weights files, configuration.
final class EncoderChoiceTests: XCTestCase {
    static let combinations: [(ImageEncoderKind, TextEncoderKind)] = [(.cnn, .mean), (.cnn, .attention), (.vit, .mean), (.vit, .attention)]

    /// The whole model's backward for each new combination (the default one is
    /// ModelGradientTests'), learnable τ included.
    func testFullModelGradientPerCombination() {
        for (image, text) in Self.combinations.dropFirst() {
            checkFullModelGradient(tinyConfiguration(image: image, text: text, seed: 3), label: "\(image)+\(text)")
        }
    }

    /// The vision transformer's options beside the default (overlapping windows read by the
    /// mean, in testFullModelGradientPerCombination): tiled patches, the `[CLS]` row.
    func testFullModelGradientOfTheVisionTransformerOptions() {
        var config = tinyConfiguration(image: .vit, text: .mean, seed: 4)
        config.vit.pool = .cls
        config.vit.patchOverlap = 0
        checkFullModelGradient(config, label: "vit tiled, cls")
        config.vit.pool = .mean
        checkFullModelGradient(config, label: "vit tiled, mean")
        config.vit.pool = .cls
        config.vit.patchOverlap = 2
        checkFullModelGradient(config, label: "vit overlap 2, cls")
    }

    func checkFullModelGradient(_ tiny: ModelConfiguration, label: String) {
        var config = tiny
        config.channels = [4, 4, 6, 6]
        config.embeddingDim = 6
        config.tokenDim = 8
        config.temperature = 0.1
        config.learnableTemperature = true
        let model = DualEncoder(config: config, vocabularySize: 7)
        let batch = 3
        var rng = SeededRandom(seed: 9)
        let images = (0..<batch).map { _ in
            RGBImage(width: 32, height: 32, pixels: (0..<(32 * 32 * 3)).map { _ in Float(rng.uniform()) })
        }
        let step = ContrastiveStep(model: model, batch: batch)
        step.set(images: images, words: [[1, 2, 3], [4, 5], [6]])  // two padded rows
        step.run(count: batch)
        let mask = step.reluMask
        let analytic = step.gradients.array
        let original = model.parameters.array
        for entry in model.layout.entries
        where entry.name.contains("transformer") || !entry.name.contains("convs") || entry.name.hasSuffix("4.weight") {
            let values = Array(original[entry.offset..<(entry.offset + entry.count)])
            let grads = Array(analytic[entry.offset..<(entry.offset + entry.count)])
            checkGradient(
                "\(label) \(entry.name)", parameters: values, analytic: grads,
                epsilon: 3e-3, tolerance: 5e-2, maxChecks: 30, floor: 1e-2
            ) { probe in
                step.loss(probing: entry, with: probe, restoring: values, mask: mask, model: model, count: batch)
            }
        }
    }

    /// Padding never changes the `[CLS]` output: the same partial caption embedded alone,
    /// in a batch padded to 4 and to 16 positions, with any token in the padding.
    func testPaddingNeverChangesTheClassOutput() {
        let model = DualEncoder(config: tinyConfiguration(image: .cnn, text: .attention, seed: 5), vocabularySize: 22)
        guard let encoder = model.textEncoder as? AttentionTextEncoder else { return XCTFail("not the attention encoder") }
        let partial = [1, 10]  // "red circle"
        func embed(maxLength: Int, padding: Int32) -> [Float] {
            let ws = AttentionTextEncoder.Workspace(encoder: encoder, batch: 2, maxLength: maxLength, training: false)
            ws.set(row: 0, words: Array([3, 11, 14].prefix(maxLength - 1)))
            ws.set(row: 1, words: partial)
            for t in 3..<maxLength { ws.tokens[maxLength + t] = padding }
            encoder.forward(ws, parameters: model.parameters.pointer, count: 2)
            return ws.output.slice(model.dim, model.dim)
        }
        let alone = model.embed(tokens: partial)
        var worst: Float = 0
        for (length, padding) in [(3, Int32(0)), (4, 0), (4, 21), (16, 0), (16, 7)] {
            for (a, b) in zip(embed(maxLength: length, padding: padding), alone) { worst = max(worst, abs(a - b)) }
        }
        print("attention [CLS] output, padded vs alone: max abs difference \(worst) (tolerance 1e-6)")
        XCTAssertLessThanOrEqual(worst, 1e-6)
        let batched = model.embed(tokenSequences: [[3, 11, 14], partial])
        XCTAssertEqual(Array(batched[model.dim...]), alone.map { $0 }, accuracy: 1e-6)
    }

    /// "red circle top" and "top circle red": the same for the mean encoder, different for
    /// the attention encoder (positions).
    func testWordOrderMattersOnlyToTheAttentionEncoder() {
        let words = [1, 10, 14], reversed = [14, 10, 1]
        let mean = DualEncoder(config: tinyConfiguration(image: .cnn, text: .mean), vocabularySize: 22)
        XCTAssertEqual(mean.embed(tokens: words), mean.embed(tokens: reversed), accuracy: 1e-6)
        let attention = DualEncoder(config: tinyConfiguration(image: .cnn, text: .attention), vocabularySize: 22)
        let a = attention.embed(tokens: words), b = attention.embed(tokens: reversed)
        let cosine = zip(a, b).map { $0 * $1 }.reduce(0, +)
        print("attention encoder: cosine(red circle top, top circle red) = \(cosine)")
        XCTAssertLessThan(cosine, 0.999)
    }

    func testSaveLoadGivesTheSameEmbeddingsPerCombination() throws {
        let directory = try temporaryDirectory()
        let images = Array(Renderer.canonicalImages.prefix(3))
        let captions = [[1, 10, 13], [2], [4, 11, 21]]
        for (image, text) in Self.combinations {
            let original = DualEncoder(config: tinyConfiguration(image: image, text: text, seed: 6), vocabularySize: 22)
            var checkpoint = Checkpoint(model: original)
            let path = directory + "/\(image)-\(text).safetensors"
            try checkpoint.save(to: path)
            let loaded = try Checkpoint.load(path: path)
            XCTAssertEqual(loaded.model.config, original.config)
            XCTAssertEqual(loaded.model.layout.entries, original.layout.entries)
            XCTAssertEqual(loaded.model.embed(images: images), original.embed(images: images), "\(image)+\(text)")
            XCTAssertEqual(loaded.model.embed(image: images[0]), original.embed(image: images[0]), "\(image)+\(text)")
            XCTAssertEqual(
                loaded.model.embed(tokenSequences: captions), original.embed(tokenSequences: captions), "\(image)+\(text)")
        }
    }

    func testTheNewEncodersHavePyTorchNamesAndShapes() throws {
        var config = tinyConfiguration(image: .vit, text: .attention)
        config.vit.patchSize = 4
        let file = try SafeTensorsFile.decode(try Checkpoint(model: DualEncoder(config: config, vocabularySize: 22)).encode())
        let expected: [String: [Int]] = [
            // p + 2·overlap: nn.Conv2d(3, 8, 8, stride=4, padding=2).
            "image_encoder.patch_embedding.weight": [8, 3, 8, 8], "image_encoder.patch_embedding.bias": [8],
            "image_encoder.class_embedding": [8], "image_encoder.position_embedding": [65, 8],
            "image_encoder.transformer.layers.1.self_attn.in_proj_weight": [24, 8],
            "image_encoder.transformer.layers.1.self_attn.in_proj_bias": [24],
            "image_encoder.transformer.layers.1.self_attn.out_proj.weight": [8, 8],
            "image_encoder.transformer.layers.0.linear1.weight": [16, 8],
            "image_encoder.transformer.layers.0.linear2.weight": [8, 16],
            "image_encoder.transformer.layers.0.norm1.weight": [8], "image_encoder.transformer.layers.0.norm2.bias": [8],
            "image_encoder.projection.weight": [8, 8], "image_encoder.norm.weight": [8],
            "text_encoder.token_embedding.weight": [22, 8], "text_encoder.position_embedding.weight": [16, 8],
            "text_encoder.transformer.layers.1.linear2.bias": [8], "text_encoder.projection.weight": [8, 8],
            "text_encoder.norm.bias": [8],
        ]
        for (name, shape) in expected { XCTAssertEqual(file.tensors[name]?.shape, shape, name) }
        // 4 (patch, class, positions) + 2 × 12 per block + 4 head, and 2 + 2 × 12 + 4 for the text.
        XCTAssertEqual(file.tensors.count, 32 + 30)
    }

    func testConfigurationNamesTheBadKey() {
        func message(_ edit: (inout ModelConfiguration) -> Void) -> String {
            var config = ModelConfiguration()
            edit(&config)
            do {
                try config.validate()
                return ""
            } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(message { _ in }, "")
        XCTAssertEqual(message { $0.imageEncoder = .vit; $0.textEncoder = .attention }, "")
        // Encoder names are an enum: an unknown one is refused when the configuration is read,
        // with the known names in the message (never a silent fallback).
        func decodingError(_ json: String) -> String {
            do {
                _ = try JSONDecoder().decode(ModelConfiguration.self, from: Data(json.utf8))
                return ""
            } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(
            decodingError(#"{"image_encoder": "resnet"}"#),
            #"configuration model.image_encoder: must be "cnn" or "vit" (got "resnet")"#)
        XCTAssertEqual(
            decodingError(#"{"text_encoder": "lstm"}"#),
            #"configuration model.text_encoder: must be "mean" or "attention" (got "lstm")"#)
        XCTAssertEqual(decodingError(#"{"image_encoder": "vit", "text_encoder": "attention"}"#), "")
        XCTAssertTrue(message { $0.vit.heads = 3 }.contains("model.vit.heads"))
        XCTAssertTrue(message { $0.vit.patchSize = 5 }.contains("model.vit.patch_size"))
        XCTAssertTrue(message { $0.vit.layers = 0 }.contains("model.vit.layers"))
        XCTAssertTrue(message { $0.vit.mlpRatio = 0 }.contains("model.vit.mlp_ratio"))
        XCTAssertTrue(message { $0.vit.patchOverlap = 17 }.contains("model.vit.patch_overlap"))
        XCTAssertEqual(
            decodingError(#"{"vit": {"pool": "max"}}"#), #"configuration model.vit.pool: must be "mean" or "cls" (got "max")"#)
        // A weights file from before `pool` and `patch_overlap` existed holds a tiled vit read at [CLS].
        let legacy = try? JSONDecoder().decode(
            ModelConfiguration.self, from: Data(#"{"image_encoder": "vit", "vit": {"width": 64}}"#.utf8))
        XCTAssertEqual(legacy?.vit.pool, .cls)
        XCTAssertEqual(legacy?.vit.patchOverlap, 0)
        XCTAssertEqual(ModelConfiguration().vit.pool, .mean)
        XCTAssertEqual(ModelConfiguration().vit.patchOverlap, 2)
        XCTAssertTrue(message { $0.attention.heads = 5 }.contains("model.attention.heads"))
        XCTAssertTrue(message { $0.attention.layers = 99 }.contains("model.attention.layers"))
    }
}

private func XCTAssertEqual(
    _ a: [Float], _ b: [Float], accuracy: Float, file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    XCTAssertLessThanOrEqual(worst, accuracy, file: file, line: line)
}
