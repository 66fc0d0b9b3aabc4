import Foundation
import XCTest

@testable import NanoVLM

/// A small configuration that trains in well under a second.
func tinyConfiguration(seed: UInt64 = 0) -> ModelConfiguration {
    var config = ModelConfiguration()
    config.channels = [8, 8, 16, 16]
    config.embeddingDim = 8
    config.tokenDim = 8
    config.seed = seed
    // The caption decoder has tests of its own (CaptionDecoderTests), with `tinyCaptioning`.
    config.caption.enabled = false
    return config
}

/// A small configuration with a small caption decoder.
func tinyCaptioning(seed: UInt64 = 0, prefixTokens: Int = 2) -> ModelConfiguration {
    var config = tinyConfiguration(seed: seed)
    config.caption.enabled = true
    config.caption.width = 8
    config.caption.heads = 2
    config.caption.layers = 2
    config.caption.prefixTokens = prefixTokens
    return config
}

func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "nanovlm-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The directory of this test file (fixtures and scripts live beside it).
let testDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path

extension ContrastiveStep {
    /// Which ReLU units of the CNN are on: a finite-difference probe that flips any of them
    /// crossed a kink, and is skipped. Empty for encoders without ReLUs.
    var reluMask: [Bool] {
        shards.flatMap { shard -> [Bool] in
            guard let cnn = shard as? BoundImageRunner<ConvolutionalImageEncoder> else { return [] }
            return (1...4).flatMap { i in cnn.workspace.activations[i].array.map { $0 > 0 } }
        }
    }

    /// The loss of `count` pairs with `entry`'s parameters set to `probe` (restored after),
    /// or nil when the probe moved a ReLU across its kink (the mask is no longer `mask`):
    /// the loss function `checkGradient` needs for a whole-model check.
    func loss(
        probing entry: ParameterLayout.Entry, with probe: [Float], restoring values: [Float], mask: [Bool],
        model: DualEncoder, count: Int
    ) -> Double? {
        model.parameters.copy(from: probe, at: entry.offset)
        model.parametersChanged()
        defer {
            model.parameters.copy(from: values, at: entry.offset)
            model.parametersChanged()
        }
        let loss = Double(run(count: count))
        return reluMask == mask ? loss : nil
    }
}
