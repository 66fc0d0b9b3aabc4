/// Settings a generated dataset trains best with, replacing the general defaults when it is
/// chosen (docs/CONFIGURATION.md, "Dataset defaults"). Keys are setting paths, values as an
/// environment variable would spell them.
public enum DatasetDefaults {
    public static let settings: [String: [String: String]] = [
        // Word order carries the meaning: the attention text encoder, trained against each
        // caption's swaps (measured in BENCHMARKS.md, "Scenes").
        "scenes": [
            "model.text_encoder": "attention",
            "model.embedding_dim": "128",
            "training.batch_size": "128",
            "training.epochs": "45",
            "training.learning_rate": "0.003",
            "training.warmup_epochs": "4",
            "training.hard_negatives": "1",
            "training.evaluate_every": "4",
        ]
    ]
}
