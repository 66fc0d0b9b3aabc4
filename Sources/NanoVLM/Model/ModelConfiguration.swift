import Datasets
import Foundation

/// The architecture (docs/MODEL.md). Saved in the weights' metadata so a file says how to rebuild
/// the model that produced it.
public struct ModelConfiguration: Codable, Equatable, Sendable {
    /// `cnn` (the default) or `vit` (a small vision transformer, shaped by `vit`).
    public var imageEncoder: ImageEncoderKind = .cnn
    /// `mean` (the default) or `attention` (self-attention over `[CLS]` + words, shaped by
    /// `attention`; its width is `tokenDim`).
    public var textEncoder: TextEncoderKind = .mean
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
    /// The vision transformer's shape (used when `imageEncoder` is `vit`).
    public var vit = VisionTransformerSettings()
    /// The attention text encoder's shape (used when `textEncoder` is `attention`).
    public var attention = AttentionSettings()
    /// The caption decoder's shape, and whether there is one.
    public var caption = CaptionSettings()

    public init() {}

    enum CodingKeys: String, CodingKey {
        case imageEncoder = "image_encoder", textEncoder = "text_encoder", embeddingDim = "embedding_dim"
        case tokenDim = "token_dim", channels, temperature, learnableTemperature = "learnable_temperature", seed
        case vit, attention, caption
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ModelConfiguration()
        imageEncoder =
            try c.decodeIfPresent(String.self, forKey: .imageEncoder).map {
                try ImageEncoderKind.named($0, key: "model.image_encoder")
            } ?? d.imageEncoder
        textEncoder =
            try c.decodeIfPresent(String.self, forKey: .textEncoder).map {
                try TextEncoderKind.named($0, key: "model.text_encoder")
            } ?? d.textEncoder
        embeddingDim = try c.decodeIfPresent(Int.self, forKey: .embeddingDim) ?? d.embeddingDim
        tokenDim = try c.decodeIfPresent(Int.self, forKey: .tokenDim) ?? d.tokenDim
        channels = try c.decodeIfPresent([Int].self, forKey: .channels) ?? d.channels
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature) ?? d.temperature
        learnableTemperature = try c.decodeIfPresent(Bool.self, forKey: .learnableTemperature) ?? d.learnableTemperature
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        vit = try c.decodeIfPresent(VisionTransformerSettings.self, forKey: .vit) ?? d.vit
        attention = try c.decodeIfPresent(AttentionSettings.self, forKey: .attention) ?? d.attention
        caption = try c.decodeIfPresent(CaptionSettings.self, forKey: .caption) ?? .absent
    }

    /// Checks ranges; the message names the key.
    public func validate() throws {
        func fail(_ key: String, _ why: String) -> ConfigurationError {
            ConfigurationError(key: "model.\(key)", message: why)
        }
        guard (1...1024).contains(embeddingDim) else {
            throw fail("embedding_dim", "must be in 1…1024 (got \(embeddingDim))")
        }
        guard (1...1024).contains(tokenDim) else { throw fail("token_dim", "must be in 1…1024 (got \(tokenDim))") }
        guard channels.count == 4, channels.allSatisfy({ (1...1024).contains($0) }) else {
            throw fail("channels", "must be four widths in 1…1024 (got \(channels))")
        }
        guard temperature > 0.001 && temperature <= 10 else {
            throw fail("temperature", "must be in (0.001, 10] (got \(temperature))")
        }
        guard (1...1024).contains(vit.width) else { throw fail("vit.width", "must be in 1…1024 (got \(vit.width))") }
        guard (1...vit.width).contains(vit.heads), vit.width % vit.heads == 0 else {
            throw fail("vit.heads", "must divide vit.width = \(vit.width) (got \(vit.heads))")
        }
        guard (1...16).contains(vit.layers) else { throw fail("vit.layers", "must be in 1…16 (got \(vit.layers))") }
        guard [1, 2, 4, 8, 16, 32].contains(vit.patchSize) else {
            throw fail("vit.patch_size", "must divide the 32-pixel side: 1, 2, 4, 8, 16 or 32 (got \(vit.patchSize))")
        }
        guard (1...8).contains(vit.mlpRatio) else {
            throw fail("vit.mlp_ratio", "must be in 1…8 (got \(vit.mlpRatio))")
        }
        guard (0...16).contains(vit.patchOverlap) else {
            throw fail("vit.patch_overlap", "must be in 0…16 (got \(vit.patchOverlap))")
        }
        guard (1...tokenDim).contains(attention.heads), tokenDim % attention.heads == 0 else {
            throw fail(
                "attention.heads", "must divide token_dim = \(tokenDim), the attention width (got \(attention.heads))")
        }
        guard (1...16).contains(attention.layers) else {
            throw fail("attention.layers", "must be in 1…16 (got \(attention.layers))")
        }
        guard (1...8).contains(attention.mlpRatio) else {
            throw fail("attention.mlp_ratio", "must be in 1…8 (got \(attention.mlpRatio))")
        }
        if caption.enabled { try caption.validate() }
    }
}

/// The `vit` image encoder's shape: p×p patches of the 32×32 image, each seen through a
/// window `patch_overlap` pixels wider on every side, C-wide tokens, L blocks of NH heads, an
/// MLP of mlp_ratio·C, and the row(s) the head reads.
public struct VisionTransformerSettings: Codable, Equatable, Sendable {
    public var width = 64
    public var heads = 4
    public var layers = 2
    public var patchSize = 4
    public var mlpRatio = 2
    /// Pixels each patch's window reaches into its neighbours on every side: the patch
    /// embedding is `nn.Conv2d(3, C, p + 2·overlap, stride=p, padding=overlap)`; 0 tiles the
    /// image. Overlapping windows make the tokens far less sensitive to where a shape falls
    /// against the patch grid (BENCHMARKS.md, "Encoder recipes on the shapes set").
    public var patchOverlap = 2
    /// What the head reads: `mean` (the mean of every row, `[CLS]` included) or `cls` (the
    /// `[CLS]` row alone).
    public var pool: TokenPooling = .mean
    /// The patch embedding's window side, p + 2·overlap.
    public var kernel: Int { patchSize + 2 * patchOverlap }

    public init() {}

    enum CodingKeys: String, CodingKey {
        case width, heads, layers, patchSize = "patch_size", mlpRatio = "mlp_ratio", pool
        case patchOverlap = "patch_overlap"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = VisionTransformerSettings()
        width = try c.decodeIfPresent(Int.self, forKey: .width) ?? d.width
        heads = try c.decodeIfPresent(Int.self, forKey: .heads) ?? d.heads
        layers = try c.decodeIfPresent(Int.self, forKey: .layers) ?? d.layers
        patchSize = try c.decodeIfPresent(Int.self, forKey: .patchSize) ?? d.patchSize
        mlpRatio = try c.decodeIfPresent(Int.self, forKey: .mlpRatio) ?? d.mlpRatio
        // Absent (a weights file written before these settings): tiled patches read at [CLS],
        // the only vision transformer there was. A configuration file always has both, merged
        // onto the defaults.
        pool = try c.decodeIfPresent(String.self, forKey: .pool).map { try .named($0, key: "model.vit.pool") } ?? .cls
        patchOverlap = try c.decodeIfPresent(Int.self, forKey: .patchOverlap) ?? 0
    }
}

/// The `attention` text encoder's shape: L blocks of NH heads over `token_dim`-wide tokens,
/// an MLP of mlp_ratio·token_dim.
public struct AttentionSettings: Codable, Equatable, Sendable {
    public var heads = 4
    public var layers = 2
    public var mlpRatio = 2

    public init() {}

    enum CodingKeys: String, CodingKey { case heads, layers, mlpRatio = "mlp_ratio" }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = AttentionSettings()
        heads = try c.decodeIfPresent(Int.self, forKey: .heads) ?? d.heads
        layers = try c.decodeIfPresent(Int.self, forKey: .layers) ?? d.layers
        mlpRatio = try c.decodeIfPresent(Int.self, forKey: .mlpRatio) ?? d.mlpRatio
    }
}

/// How to train (docs/MODEL.md, docs/CONFIGURATION.md).
public struct TrainingConfiguration: Codable, Equatable, Sendable {
    public var epochs: Int = 300
    public var batchSize: Int = 64
    public var learningRate: Double = 5e-3
    /// `constant` (a fixed rate) or `cosine` (decays to `minLearningRate` by the last epoch).
    public var schedule: String = "cosine"
    public var minLearningRate: Double = 1e-5
    /// Draw augmented renders (size, offset, anti-aliasing) for training batches.
    public var augment: Bool = true
    /// Fraction of training renders left canonical when augmenting.
    public var canonicalFraction: Double = 0.25
    /// Seed of the split, batch order and augmentation.
    public var seed: UInt64 = 0
    /// Threads while training: each batch is split into this many data-parallel shards, each
    /// encoded and back-propagated on its own thread with single-threaded BLAS; the Adam update
    /// and the evaluation embeddings use as many threads. The shards' gradients are added in a
    /// fixed order, so a run is reproducible for a given count (not across counts).
    public var threads: Int = 2
    /// Extra negatives per caption (NegCLIP): up to this many of its rearrangements that are
    /// false of its image, for datasets that make them (the scenes set: 0…3); 0 is off.
    public var hardNegatives: Int = 0
    /// Epochs over which the learning rate ramps up linearly, step by step, from near 0 to
    /// the schedule's rate; 0: none.
    public var warmupEpochs: Double = 0
    /// Evaluate on the validation split every this many epochs (and always after the last).
    public var evaluateEvery: Int = 1
    /// Decoupled weight decay (AdamW): each step also scales every parameter by
    /// 1 − learning rate · weight_decay; 0 is plain Adam.
    public var weightDecay: Double = 0
    /// Epochs of the caption decoder's own training after the encoders', on their frozen
    /// embeddings; 0: none.
    public var captionEpochs: Int = 50
    /// λ of the joint loss InfoNCE + λ · caption cross-entropy while the encoders train
    /// (CoCa); 0 trains the decoder only in its own epochs afterwards.
    public var captionWeight: Double = 0
    /// The peak learning rate of the decoder's own epochs (cosine to `min_learning_rate`).
    public var captionLearningRate: Double = 5e-3

    public init() {}

    enum CodingKeys: String, CodingKey {
        case epochs, batchSize = "batch_size", learningRate = "learning_rate", schedule
        case minLearningRate = "min_learning_rate", augment, canonicalFraction = "canonical_fraction", seed, threads
        case hardNegatives = "hard_negatives", warmupEpochs = "warmup_epochs", evaluateEvery = "evaluate_every"
        case weightDecay = "weight_decay", captionEpochs = "caption_epochs", captionWeight = "caption_weight"
        case captionLearningRate = "caption_learning_rate"
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
        hardNegatives = try c.decodeIfPresent(Int.self, forKey: .hardNegatives) ?? d.hardNegatives
        warmupEpochs = try c.decodeIfPresent(Double.self, forKey: .warmupEpochs) ?? d.warmupEpochs
        evaluateEvery = try c.decodeIfPresent(Int.self, forKey: .evaluateEvery) ?? d.evaluateEvery
        weightDecay = try c.decodeIfPresent(Double.self, forKey: .weightDecay) ?? d.weightDecay
        captionEpochs = try c.decodeIfPresent(Int.self, forKey: .captionEpochs) ?? d.captionEpochs
        captionWeight = try c.decodeIfPresent(Double.self, forKey: .captionWeight) ?? d.captionWeight
        captionLearningRate =
            try c.decodeIfPresent(Double.self, forKey: .captionLearningRate) ?? d.captionLearningRate
    }

    public func validate() throws {
        func fail(_ key: String, _ why: String) -> ConfigurationError {
            ConfigurationError(key: "training.\(key)", message: why)
        }
        guard (1...100_000).contains(epochs) else { throw fail("epochs", "must be in 1…100000 (got \(epochs))") }
        guard (2...4096).contains(batchSize) else { throw fail("batch_size", "must be in 2…4096 (got \(batchSize))") }
        guard learningRate > 0 && learningRate < 1 else {
            throw fail("learning_rate", "must be in (0, 1) (got \(learningRate))")
        }
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
        guard (0...16).contains(hardNegatives) else {
            throw fail("hard_negatives", "must be in 0…16 (got \(hardNegatives))")
        }
        guard weightDecay >= 0 && weightDecay <= 10 else {
            throw fail("weight_decay", "must be in [0, 10] (got \(weightDecay))")
        }
        guard (0...100_000).contains(captionEpochs) else {
            throw fail("caption_epochs", "must be in 0…100000 (got \(captionEpochs))")
        }
        guard captionWeight >= 0 && captionWeight <= 100 else {
            throw fail("caption_weight", "must be in [0, 100] (got \(captionWeight))")
        }
        guard captionLearningRate > 0 && captionLearningRate < 1 else {
            throw fail("caption_learning_rate", "must be in (0, 1) (got \(captionLearningRate))")
        }
        guard evaluateEvery >= 1 else { throw fail("evaluate_every", "must be at least 1 (got \(evaluateEvery))") }
        // A warm-up longer than the run is allowed: the rate then never reaches its peak.
        guard warmupEpochs >= 0 && warmupEpochs <= 100_000 else {
            throw fail("warmup_epochs", "must be in [0, 100000] (got \(warmupEpochs))")
        }
    }

    /// The rate for step `step` (0-based, counted over the whole run) of a 1-based epoch of
    /// `stepsPerEpoch` steps: the epoch's rate, scaled by the warm-up while it lasts.
    public func learningRate(epoch: Int, step: Int, stepsPerEpoch: Int) -> Double {
        let rate = learningRate(epoch: epoch)
        let warmupSteps = warmupEpochs * Double(stepsPerEpoch)
        guard warmupSteps > 0, Double(step) < warmupSteps else { return rate }
        return rate * Double(step + 1) / (warmupSteps + 1)
    }

    /// The learning rate for a 1-based epoch.
    public func learningRate(epoch: Int) -> Double {
        guard schedule == "cosine", epochs > 1 else { return learningRate }
        let progress = Double(epoch - 1) / Double(epochs - 1)
        return minLearningRate + 0.5 * (learningRate - minLearningRate) * (1 + cos(Double.pi * progress))
    }
}
