import Datasets
import Foundation
import GradientChecking
import ImageIO
import NanoTensor
import XCTest

@testable import NanoVLM

/// The caption decoder: its backward against finite differences (alone, with padding and
/// the causal mask, and inside the joint loss), the cached beam search against the
/// teacher-forced forward, and its place in the weights and the configuration.
final class CaptionDecoderTests: XCTestCase {
    func randomImages(_ n: Int, seed: UInt64) -> [RGBImage] {
        var rng = SeededRandom(seed: seed)
        return (0..<n).map { _ in
            RGBImage(width: 32, height: 32, pixels: (0..<(32 * 32 * 3)).map { _ in Float(rng.uniform()) })
        }
    }

    func unitRows(_ n: Int, _ d: Int, seed: UInt64) -> [Float] {
        var rng = SeededRandom(seed: seed)
        var values = (0..<(n * d)).map { _ in Float(rng.normal()) }
        for r in 0..<n {
            let norm = (0..<d).map { values[r * d + $0] * values[r * d + $0] }.reduce(0, +).squareRoot()
            for k in 0..<d { values[r * d + k] /= norm }
        }
        return values
    }

    /// Every decoder tensor and the embeddings it reads, for captions of three lengths (two
    /// rows padded) — the causal mask, the padding mask, the prefix and the head all in play.
    func testDecoderBackwardMatchesFiniteDifferences() throws {
        let model = DualEncoder(config: tinyCaptioning(seed: 5), vocabularySize: 9, sequenceLength: 6)
        let decoder = try XCTUnwrap(model.captionDecoder)
        let captions = [[1, 2, 3, 4], [5, 6], [7]]
        let ws = CaptionDecoder.Workspace(decoder: decoder, batch: 3, maxWords: 4)
        let embeddings = unitRows(3, model.dim, seed: 6)
        ws.embeddings.copy(from: embeddings)
        for (row, words) in captions.enumerated() { ws.set(row: row, words: words, prefixTokens: 2) }
        let p = model.parameters.pointer
        decoder.forward(ws, parameters: p, count: 3)
        XCTAssertEqual(ws.targetCount, 4 + 1 + 2 + 1 + 1 + 1, "each caption's words and [EOS]")
        let gradients = FloatBuffer(count: model.parameterCount)
        decoder.backward(ws, parameters: p, gradients: gradients.pointer, count: 3, weight: 1.5)
        func loss() -> Double { 1.5 * Double(decoder.forward(ws, parameters: p, count: 3)) }
        for entry in model.layout.entries where entry.name.hasPrefix("caption_decoder.") {
            let values = model.parameters.slice(entry.offset, entry.count)
            checkGradient(
                entry.name, parameters: values, analytic: gradients.slice(entry.offset, entry.count),
                epsilon: 1e-2, tolerance: 3e-2, maxChecks: 40, floor: 5e-3
            ) { probe in
                model.parameters.copy(from: probe, at: entry.offset)
                defer { model.parameters.copy(from: values, at: entry.offset) }
                return loss()
            }
        }
        decoder.forward(ws, parameters: p, count: 3)
        decoder.backward(ws, parameters: p, gradients: gradients.pointer, count: 3, weight: 1.5)
        checkGradient(
            "caption embeddings", parameters: embeddings, analytic: ws.dEmbeddings.array, epsilon: 1e-2,
            tolerance: 3e-2, floor: 5e-3
        ) { probe in
            ws.embeddings.copy(from: probe)
            defer { ws.embeddings.copy(from: embeddings) }
            return loss()
        }
    }

    /// The joint loss InfoNCE + λ · cross-entropy: the decoder's gradient reaches the image
    /// encoder through the embeddings, and the text encoder's is untouched by it.
    func testJointLossGradientReachesTheImageEncoder() {
        var config = tinyCaptioning(seed: 7)
        config.channels = [4, 4, 6, 6]
        config.embeddingDim = 6
        let model = DualEncoder(config: config, vocabularySize: 7)
        let step = ContrastiveStep(model: model, batch: 3, captionWeight: 2)
        step.set(images: randomImages(3, seed: 8), words: [[1, 2, 3], [4, 5], [6]])
        let joint = step.run(count: 3)
        let mask = step.reluMask
        let analytic = step.gradients.array
        let plain = ContrastiveStep(model: model, batch: 3)
        plain.set(images: randomImages(3, seed: 8), words: [[1, 2, 3], [4, 5], [6]])
        let contrastive = plain.run(count: 3)
        XCTAssertGreaterThan(joint, contrastive + 0.1, "the caption term adds λ × its cross-entropy")
        let textEntry = model.layout.entries.first { $0.name.hasPrefix("text_encoder.") }!
        XCTAssertEqual(
            analytic[textEntry.offset..<(textEntry.offset + textEntry.count)],
            plain.gradients.array[textEntry.offset..<(textEntry.offset + textEntry.count)],
            "the caption loss does not reach the text encoder")
        for entry in model.layout.entries
        where entry.name.hasPrefix("caption_decoder.") || entry.name.hasPrefix("image_encoder.proj")
            || entry.name.hasSuffix("convs.4.weight")
        {
            let values = model.parameters.slice(entry.offset, entry.count)
            checkGradient(
                "joint \(entry.name)", parameters: values, analytic: Array(analytic[entry.offset..<(entry.offset + entry.count)]),
                epsilon: 3e-3, tolerance: 5e-2, maxChecks: 20, floor: 1e-2
            ) { probe in
                step.loss(probing: entry, with: probe, restoring: values, mask: mask, model: model, count: 3)
            }
        }
    }

    /// The cached, one-position-at-a-time beam search scores each caption it writes exactly as
    /// the teacher-forced forward does, returns them best first, and greedy is beam 1.
    func testBeamSearchScoresMatchTeacherForcing() throws {
        for prefixTokens in [1, 3] {
            let model = DualEncoder(
                config: tinyCaptioning(seed: 11, prefixTokens: prefixTokens), vocabularySize: 6, sequenceLength: 6)
            let image = randomImages(1, seed: 12)[0]
            for beam in [1, 2, 4, 8] {
                let written = try XCTUnwrap(model.caption(image: image, beam: beam, count: beam, maxWords: 5))
                XCTAssertFalse(written.isEmpty)
                XCTAssertLessThanOrEqual(written.count, beam)
                XCTAssertEqual(Set(written.map(\.tokens)).count, written.count, "alternatives are distinct")
                for (a, b) in zip(written, written.dropFirst()) { XCTAssertGreaterThanOrEqual(a.logProbability, b.logProbability) }
                for caption in written {
                    XCTAssertTrue((1...5).contains(caption.tokens.count), "\(caption.tokens)")
                    XCTAssertFalse(caption.tokens.contains(0), "[BOS]/[EOS] never appears as a word")
                    let forced = try XCTUnwrap(model.captionLogProbability(image: image, words: caption.tokens))
                    XCTAssertEqual(caption.logProbability, forced, accuracy: 1e-4, "beam \(beam) \(caption.tokens)")
                }
            }
            let greedy = try XCTUnwrap(model.caption(image: image, beam: 1, count: 1, maxWords: 5)?.first)
            let wide = try XCTUnwrap(model.caption(image: image, beam: 8, count: 1, maxWords: 5)?.first)
            XCTAssertGreaterThanOrEqual(wide.logProbability, greedy.logProbability - 1e-5)
            let short = try XCTUnwrap(model.caption(image: image, beam: 3, count: 3, maxWords: 1))
            XCTAssertTrue(short.allSatisfy { $0.tokens.count == 1 }, "max_words bounds every alternative")
        }
    }

    /// The decoder's tensors go into the weights file under caption_decoder.* and come back;
    /// a configuration without a `caption` key (weights written before the decoder) has none.
    func testWeightsCarryTheDecoderAndOldConfigurationsHaveNone() throws {
        let model = DualEncoder(config: tinyCaptioning(seed: 13), vocabularySize: ShapesDataset().vocabulary.count)
        let names = model.layout.entries.map(\.name).filter { $0.hasPrefix("caption_decoder.") }
        XCTAssertTrue(names.contains("caption_decoder.prefix.weight"))
        XCTAssertTrue(names.contains("caption_decoder.transformer.layers.1.self_attn.in_proj_weight"))
        XCTAssertTrue(names.contains("caption_decoder.lm_head.bias"))
        XCTAssertEqual(model.layout.entries.last?.name, "caption_decoder.lm_head.bias", "the decoder comes last")
        let bytes = try Checkpoint(model: model).encode()
        let loaded = try Checkpoint.decode(bytes)
        XCTAssertTrue(loaded.model.hasCaptionDecoder)
        XCTAssertEqual(loaded.model.parameters.array, model.parameters.array)
        let image = randomImages(1, seed: 14)[0]
        XCTAssertEqual(loaded.model.caption(image: image), model.caption(image: image))

        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(tinyCaptioning())) as! [String: Any]
        json.removeValue(forKey: "caption")
        let old = try JSONDecoder().decode(ModelConfiguration.self, from: JSONSerialization.data(withJSONObject: json))
        XCTAssertFalse(old.caption.enabled)
        let plain = DualEncoder(config: old, vocabularySize: 22)
        XCTAssertNil(plain.caption(image: image))
        XCTAssertFalse(plain.layout.entries.contains { $0.name.hasPrefix("caption_decoder.") })
    }

    /// With or without a decoder the encoders start from the same weights, and without the
    /// joint loss training leaves the decoder's tensors alone until its own epochs.
    func testTheDecoderDoesNotChangeTheEncodersTraining() {
        var training = TrainingConfiguration()
        training.epochs = 2
        training.batchSize = 32
        training.captionEpochs = 0
        var with = tinyConfiguration(seed: 2)
        with.caption.enabled = true
        with.caption.width = 8
        with.caption.heads = 2
        let a = Trainer(model: tinyConfiguration(seed: 2), training: training).train().model
        let b = Trainer(model: with, training: training).train().model
        XCTAssertEqual(
            Array(a.parameters.array), Array(b.parameters.array[b.encoderParameters]),
            "the encoders train bit for bit the same")
        let fresh = DualEncoder(config: with, vocabularySize: b.vocabularySize, sequenceLength: b.maxSequenceLength)
        XCTAssertEqual(
            Array(fresh.parameters.array[fresh.decoderParameters]), Array(b.parameters.array[b.decoderParameters]),
            "no caption epochs: the decoder is as initialised")
    }

    /// The decoder's own epochs on the frozen encoders: the loss falls, the encoders do not move.
    func testCaptionEpochsTrainOnlyTheDecoder() {
        var training = TrainingConfiguration()
        training.epochs = 3
        training.captionEpochs = 8
        training.evaluateEvery = 4
        var config = tinyCaptioning(seed: 3)
        config.caption.width = 16
        let noCaptions = { () -> TrainingConfiguration in
            var t = training
            t.captionEpochs = 0
            return t
        }()
        let before = Trainer(model: config, training: noCaptions).train().model
        var reports: [CaptionEpochReport] = []
        let (after, summary) = Trainer(model: config, training: training).train(captionProgress: { reports.append($0) })
        XCTAssertEqual(
            Array(before.parameters.array[before.encoderParameters]),
            Array(after.parameters.array[after.encoderParameters]))
        XCTAssertEqual(reports.map(\.epoch), Array(1...8))
        XCTAssertEqual(summary.captionHistory?.count, 8)
        XCTAssertLessThan(reports.last!.loss, reports.first!.loss * 0.8, "\(reports.map(\.loss))")
        XCTAssertNotNil(reports[3].validationExactMatch)
        XCTAssertNil(reports[4].validationExactMatch)
    }

    func testBLEUOnKnownCases() {
        XCTAssertEqual(BLEU.corpus(candidates: [[1, 2, 3, 4, 5]], references: [[[1, 2, 3, 4, 5]]]), 1, accuracy: 1e-12)
        XCTAssertEqual(BLEU.corpus(candidates: [[1, 2, 3]], references: [[[1, 2, 3]]]), 0, "no 4-grams")
        // Papineni's clipping: "the the the the" against one "the" per reference scores 1/4 unigrams.
        let clipped = BLEU.corpus(candidates: [[7, 7, 7, 7]], references: [[[7, 1, 2, 3]]], maxOrder: 1)
        XCTAssertEqual(clipped, 0.25, accuracy: 1e-12)
        // Brevity: 4 of a 8-word reference, every n-gram right: exp(1 − 8/4).
        let short = BLEU.corpus(candidates: [[1, 2, 3, 4]], references: [[[1, 2, 3, 4, 5, 6, 7, 8]]])
        XCTAssertEqual(short, exp(-1), accuracy: 1e-12)
    }

    func testDecoderSettingsAreValidatedByName() {
        var config = ModelConfiguration()
        config.caption.heads = 5
        XCTAssertThrowsError(try config.validate()) { XCTAssertTrue("\($0)".contains("model.caption.heads"), "\($0)") }
        config = ModelConfiguration()
        config.caption.prefixTokens = 0
        XCTAssertThrowsError(try config.validate()) {
            XCTAssertTrue("\($0)".contains("model.caption.prefix_tokens"), "\($0)")
        }
        var training = TrainingConfiguration()
        training.captionWeight = -1
        XCTAssertThrowsError(try training.validate()) {
            XCTAssertTrue("\($0)".contains("training.caption_weight"), "\($0)")
        }
        training = TrainingConfiguration()
        training.captionEpochs = -3
        XCTAssertThrowsError(try training.validate()) {
            XCTAssertTrue("\($0)".contains("training.caption_epochs"), "\($0)")
        }
    }
}
