/// Settings a generated dataset trains best with, replacing the general defaults when it is
/// chosen (docs/CONFIGURATION.md, "Dataset defaults"). A recipe may hold only for some
/// encoders. Keys are setting paths, values as an environment variable would spell them.
public enum DatasetDefaults {
    public struct Recipe: Sendable {
        /// Settings the recipe needs, as chosen (by flag, variable, file or default).
        public let when: [String: String]
        public let settings: [String: String]
    }

    /// What the transformer encoders need on the shapes set: a wider joint embedding, a
    /// warm-up and a gentler peak rate (BENCHMARKS.md, "Encoder recipes on the shapes set").
    static let transformer = [
        "model.embedding_dim": "128",
        "training.warmup_epochs": "20",
        "training.learning_rate": "0.003",
    ]

    public static let recipes: [String: [Recipe]] = [
        "shapes": [
            Recipe(when: ["model.text_encoder": "attention"], settings: transformer),
            Recipe(when: ["model.image_encoder": "vit"], settings: transformer),
            // The two transformers together need longer to hold both targets.
            Recipe(
                when: ["model.image_encoder": "vit", "model.text_encoder": "attention"],
                settings: ["training.epochs": "450"]),
        ],
        // Word order carries the meaning: the attention text encoder, trained against each
        // caption's swaps (BENCHMARKS.md, "Scenes: the recipe that binds"). The decoder needs
        // 150 epochs to name held-out pairs of objects (BENCHMARKS.md, "Captions").
        "scenes": [
            Recipe(
                when: [:],
                settings: [
                    "model.text_encoder": "attention",
                    "model.embedding_dim": "128",
                    "training.batch_size": "128",
                    "training.epochs": "45",
                    "training.learning_rate": "0.003",
                    "training.warmup_epochs": "4",
                    "training.hard_negatives": "1",
                    "training.evaluate_every": "4",
                    "training.caption_epochs": "150",
                ])
        ],
    ]
}
