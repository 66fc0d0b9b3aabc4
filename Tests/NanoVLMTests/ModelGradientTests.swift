import GradientChecking
import ImageIO
import NanoTensor
import XCTest

@testable import NanoVLM

/// The whole model's backward — both encoders and the loss — against finite differences.
final class ModelGradientTests: XCTestCase {
    func testFullModelGradientMatchesFiniteDifferences() {
        // The second pass also runs the image encoder as two data-parallel shards.
        for (learnable, parallelism) in [(false, 1), (true, 2)] {
            var config = ModelConfiguration()
            config.channels = [4, 4, 6, 6]
            config.embeddingDim = 6
            config.tokenDim = 5
            config.temperature = 0.1
            config.learnableTemperature = learnable
            config.seed = 3
            config.caption.enabled = false  // CaptionDecoderTests checks the decoder and the joint loss
            let model = DualEncoder(config: config, vocabularySize: 7)
            let batch = 3
            var rng = SeededRandom(seed: 9)
            let images = (0..<batch).map { _ in
                RGBImage(width: 32, height: 32, pixels: (0..<(32 * 32 * 3)).map { _ in Float(rng.uniform()) })
            }
            let words = [[1, 2, 3], [4, 5], [6, 1, 2]]
            let step = ContrastiveStep(model: model, batch: batch, parallelism: parallelism)
            step.set(images: images, words: words)
            step.run(count: batch)
            let baselineMask = step.reluMask
            let analytic = step.gradients.array
            let original = model.parameters.array
            for entry in model.layout.entries {
                let values = Array(original[entry.offset..<(entry.offset + entry.count)])
                let grads = Array(analytic[entry.offset..<(entry.offset + entry.count)])
                checkGradient(
                    "model \(entry.name)\(learnable ? " (learnable τ)" : "")", parameters: values, analytic: grads,
                    epsilon: entry.name.hasPrefix("image_encoder.convs.0") ? 1e-3 : 3e-3,
                    tolerance: 5e-2, maxChecks: 60, floor: 3e-3,
                    // A conv bias moves every unit of its channel, so most probes flip some ReLU;
                    // LayerGradientTests checks those gradients without kinks.
                    minimumCheckedFraction: entry.name.contains("convs") ? 0 : 0.5
                ) { probe in
                    step.loss(probing: entry, with: probe, restoring: values, mask: baselineMask, model: model, count: batch)
                }
            }
        }
    }
}
