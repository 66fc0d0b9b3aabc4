import Foundation

/// The architecture (SPEC §3). Saved in the weights' metadata so a file says how to rebuild
/// the model that produced it.
public struct ModelConfiguration: Codable, Equatable, Sendable {
    /// `cnn` (the default).
    public var imageEncoder: String = "cnn"
    /// `mean` (the default).
    public var textEncoder: String = "mean"
    /// D, the joint embedding width.
    public var embeddingDim: Int = 32
    /// Width of the token embeddings.
    public var tokenDim: Int = 64
    /// Output channels of the first four convolutions; the fifth outputs D.
    public var channels: [Int] = [32, 64, 128, 128]
    /// τ: the similarity matrix is scaled by 1/τ in the loss and in result probabilities.
    public var temperature: Double = 0.07
    /// CLIP-style learnable `logit_scale` = ln(1/τ), clamped to ≤ ln 100.
    public var learnableTemperature: Bool = false
    /// Seed of the weight initialisation.
    public var seed: UInt64 = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case imageEncoder = "image_encoder", textEncoder = "text_encoder", embeddingDim = "embedding_dim"
        case tokenDim = "token_dim", channels, temperature, learnableTemperature = "learnable_temperature", seed
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ModelConfiguration()
        imageEncoder = try c.decodeIfPresent(String.self, forKey: .imageEncoder) ?? d.imageEncoder
        textEncoder = try c.decodeIfPresent(String.self, forKey: .textEncoder) ?? d.textEncoder
        embeddingDim = try c.decodeIfPresent(Int.self, forKey: .embeddingDim) ?? d.embeddingDim
        tokenDim = try c.decodeIfPresent(Int.self, forKey: .tokenDim) ?? d.tokenDim
        channels = try c.decodeIfPresent([Int].self, forKey: .channels) ?? d.channels
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature) ?? d.temperature
        learnableTemperature = try c.decodeIfPresent(Bool.self, forKey: .learnableTemperature) ?? d.learnableTemperature
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
    }

    /// Checks ranges; the message names the key.
    public func validate() throws {
        func fail(_ key: String, _ why: String) -> ConfigurationError { ConfigurationError(key: "model.\(key)", message: why) }
        guard imageEncoder == "cnn" else { throw fail("image_encoder", "must be \"cnn\" (got \"\(imageEncoder)\")") }
        guard textEncoder == "mean" else { throw fail("text_encoder", "must be \"mean\" (got \"\(textEncoder)\")") }
        guard (1...1024).contains(embeddingDim) else { throw fail("embedding_dim", "must be in 1…1024 (got \(embeddingDim))") }
        guard (1...1024).contains(tokenDim) else { throw fail("token_dim", "must be in 1…1024 (got \(tokenDim))") }
        guard channels.count == 4, channels.allSatisfy({ (1...1024).contains($0) }) else {
            throw fail("channels", "must be four widths in 1…1024 (got \(channels))")
        }
        guard temperature > 0.001 && temperature <= 10 else {
            throw fail("temperature", "must be in (0.001, 10] (got \(temperature))")
        }
    }
}

/// How to train (SPEC §3, §6).
public struct TrainingConfiguration: Codable, Equatable, Sendable {
    public var epochs: Int = 300
    public var batchSize: Int = 64
    public var learningRate: Double = 5e-3
    /// `constant` (SPEC's fixed rate) or `cosine` (decays to `minLearningRate` by the last epoch).
    public var schedule: String = "cosine"
    public var minLearningRate: Double = 1e-5
    /// Draw augmented renders (size, offset, anti-aliasing) for training batches.
    public var augment: Bool = true
    /// Fraction of training renders left canonical when augmenting.
    public var canonicalFraction: Double = 0.25
    /// Seed of the split, batch order and augmentation.
    public var seed: UInt64 = 0
    /// BLAS threads while training.
    public var threads: Int = 2

    public init() {}

    enum CodingKeys: String, CodingKey {
        case epochs, batchSize = "batch_size", learningRate = "learning_rate", schedule
        case minLearningRate = "min_learning_rate", augment, canonicalFraction = "canonical_fraction", seed, threads
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TrainingConfiguration()
        epochs = try c.decodeIfPresent(Int.self, forKey: .epochs) ?? d.epochs
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.batchSize
        learningRate = try c.decodeIfPresent(Double.self, forKey: .learningRate) ?? d.learningRate
        schedule = try c.decodeIfPresent(String.self, forKey: .schedule) ?? d.schedule
        minLearningRate = try c.decodeIfPresent(Double.self, forKey: .minLearningRate) ?? d.minLearningRate
        augment = try c.decodeIfPresent(Bool.self, forKey: .augment) ?? d.augment
        canonicalFraction = try c.decodeIfPresent(Double.self, forKey: .canonicalFraction) ?? d.canonicalFraction
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        threads = try c.decodeIfPresent(Int.self, forKey: .threads) ?? d.threads
    }

    public func validate() throws {
        func fail(_ key: String, _ why: String) -> ConfigurationError { ConfigurationError(key: "training.\(key)", message: why) }
        guard (1...100_000).contains(epochs) else { throw fail("epochs", "must be in 1…100000 (got \(epochs))") }
        guard (2...194).contains(batchSize) else { throw fail("batch_size", "must be in 2…194 (got \(batchSize))") }
        guard learningRate > 0 && learningRate < 1 else { throw fail("learning_rate", "must be in (0, 1) (got \(learningRate))") }
        guard ["constant", "cosine"].contains(schedule) else {
            throw fail("schedule", "must be \"constant\" or \"cosine\" (got \"\(schedule)\")")
        }
        guard minLearningRate >= 0 && minLearningRate <= learningRate else {
            throw fail("min_learning_rate", "must be in [0, learning_rate] (got \(minLearningRate))")
        }
        guard (0...1).contains(canonicalFraction) else {
            throw fail("canonical_fraction", "must be in [0, 1] (got \(canonicalFraction))")
        }
        guard (1...64).contains(threads) else { throw fail("threads", "must be in 1…64 (got \(threads))") }
    }

    /// The learning rate for a 1-based epoch.
    public func learningRate(epoch: Int) -> Double {
        guard schedule == "cosine", epochs > 1 else { return learningRate }
        let progress = Double(epoch - 1) / Double(epochs - 1)
        return minLearningRate + 0.5 * (learningRate - minLearningRate) * (1 + cos(Double.pi * progress))
    }
}

/// A configuration value that is missing, mistyped or out of range.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible, Sendable {
    public let key: String
    public let message: String
    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }
    public var description: String { "configuration \(key): \(message)" }
}
