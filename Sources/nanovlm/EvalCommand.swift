import ArgumentParser
import Datasets
import Foundation
import NanoVLM

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the evaluation metrics of the saved weights, or compare several weights files side by side.",
        discussion: """
            With one weights file (or none: the configured one), prints the evaluation metrics table; when \
            the file doesn't exist it is trained first. With --weights given two or more times, \
            prints one row per file: encoders, parameters, validation R@1 among all 243, \
            robustness R@1, seconds per epoch and time to the validation target from the \
            file's training record. Every file must exist.
            """)

    @Option(name: .long, help: "Configuration file.")
    var config: String = "config/nanovlm.json"

    @Option(
        name: .long,
        help: "Weights file (.safetensors); default from the configuration. Repeat to compare several files.")
    var weights: [String] = []

    @Option(
        name: .long,
        help: "Dataset: shapes, scenes, folder:DIR, coco:FILE.json or tsv:FILE (default: the one the weights record).")
    var dataset: String?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if weights.contains(where: \.isEmpty) {
            throw ValidationError("--weights needs a file path (got an empty one)")
        }
    }

    func run() throws {
        if weights.count > 1 { return try compare() }
        let config = try loadConfiguration(file: config, weights: weights.first, dataset: dataset)
        let checkpoint = try loadOrTrain(config, quiet: output.json)
        let report = Evaluator.evaluate(
            checkpoint.model, dataset: checkpoint.dataset, split: checkpoint.split(defaultSeed: config.training.seed))
        if output.json {
            print(try jsonText(report))
        } else {
            print("weights: \(config.weights)\n")
            print(
                metricsTable(
                    report, dataset: checkpoint.dataset,
                    validationCount: checkpoint.split(defaultSeed: config.training.seed).validation.count))
        }
    }

    /// Several files: all are read and checked before any is evaluated, so one bad file fails
    /// fast with every problem named.
    func compare() throws {
        let config = try loadConfiguration(file: config, weights: nil)
        var checkpoints: [String: Checkpoint] = [:]
        var problems: [String] = []
        for path in weights where checkpoints[path] == nil {
            do {
                checkpoints[path] = try Checkpoint.load(path: path)
            } catch let error as CheckpointError {
                if !problems.contains(error.message) { problems.append(error.message) }
            }
        }
        guard problems.isEmpty else {
            throw CommandFailure(
                problems.count == 1
                    ? "cannot compare: \(problems[0])"
                    : "cannot compare, \(problems.count) weights files are unusable:\n  "
                        + problems.joined(separator: "\n  "))
        }
        var rows: [String: WeightsComparison] = [:]
        let ordered = weights.map { path -> WeightsComparison in
            if let row = rows[path] { return row }
            guard let checkpoint = checkpoints[path] else { preconditionFailure("\(path) was loaded above") }
            let split = checkpoint.split(defaultSeed: config.training.seed)
            let row = WeightsComparison(
                path: path, checkpoint: checkpoint,
                metrics: Evaluator.evaluate(checkpoint.model, dataset: checkpoint.dataset, split: split))
            rows[path] = row
            return row
        }
        if output.json {
            print(try jsonText(ordered))
        } else {
            print(comparisonTable(ordered))
        }
    }
}

/// One weights file's row of `nanovlm eval --weights A --weights B …`.
struct WeightsComparison: Encodable {
    struct R1: Encodable {
        let imageToText: Double, textToImage: Double
        enum CodingKeys: String, CodingKey { case imageToText = "image_to_text", textToImage = "text_to_image" }
    }

    /// From the training record in the file's metadata.
    struct Training: Encodable {
        static let historyMedian = "median of the epoch times in the history"
        static let totalOverEpochs = "total seconds / epochs"
        let epochs: Int
        let seconds: Double
        let secondsPerEpoch: Double
        let secondsPerEpochBasis: String
        let targetEpoch: Int?
        let secondsToTarget: Double?

        enum CodingKeys: String, CodingKey {
            case epochs, seconds, secondsPerEpoch = "seconds_per_epoch", secondsPerEpochBasis =
                "seconds_per_epoch_basis"
            case targetEpoch = "target_epoch", secondsToTarget = "seconds_to_target"
        }

        init(_ summary: TrainingSummary) {
            epochs = summary.epochs
            seconds = summary.seconds
            if let median = summary.medianEpochSeconds {
                secondsPerEpoch = median
                secondsPerEpochBasis = Self.historyMedian
            } else {
                secondsPerEpoch = summary.seconds / Double(max(summary.epochs, 1))
                secondsPerEpochBasis = Self.totalOverEpochs
            }
            let target = summary.targetEpoch
            targetEpoch = target?.epoch
            secondsToTarget = target?.elapsed
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(epochs, forKey: .epochs)
            try c.encode(seconds, forKey: .seconds)
            try c.encode(secondsPerEpoch, forKey: .secondsPerEpoch)
            try c.encode(secondsPerEpochBasis, forKey: .secondsPerEpochBasis)
            try c.encode(targetEpoch, forKey: .targetEpoch)  // null: not reached
            try c.encode(secondsToTarget, forKey: .secondsToTarget)
        }
    }

    let weights: String
    let sha256: String?
    let architecture: ArchitectureSummary
    let validationR1AmongAll: R1
    let robustnessR1ImageToText: Double?
    let training: Training?
    let metrics: EvaluationReport

    enum CodingKeys: String, CodingKey {
        case weights, sha256, architecture, validationR1AmongAll = "validation_r1_among_all"
        case robustnessR1ImageToText = "robustness_r1_image_to_text", training, metrics
    }

    init(path: String, checkpoint: Checkpoint, metrics: EvaluationReport) {
        let model = checkpoint.model
        weights = path
        sha256 = checkpoint.sha256
        architecture = ArchitectureSummary(model)
        let val = metrics.validation.amongAll
        validationR1AmongAll = R1(imageToText: val.imageToText.r1, textToImage: val.textToImage.r1)
        robustnessR1ImageToText = metrics.robustness?.amongAll.imageToText.r1
        training = checkpoint.summary.map(Training.init)
        self.metrics = metrics
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(weights, forKey: .weights)
        try c.encode(sha256, forKey: .sha256)
        try c.encode(architecture, forKey: .architecture)
        try c.encode(validationR1AmongAll, forKey: .validationR1AmongAll)
        try c.encodeIfPresent(robustnessR1ImageToText, forKey: .robustnessR1ImageToText)
        try c.encode(training, forKey: .training)  // null: the file has no training record
        try c.encode(metrics, forKey: .metrics)
    }
}

/// Several weights files side by side, one row each, with a legend under the table.
func comparisonTable(_ rows: [WeightsComparison]) -> String {
    let headers = [
        "weights", "image + text", "parameters", "val R@1 i→t", "val R@1 t→i", "robust R@1 i→t", "epochs", "s / epoch",
        "target epoch", "time to target",
    ]
    let leftAligned: Set<Int> = [0, 1]
    var footnotes: [String] = []
    let cells = rows.map { row -> [String] in
        let a = row.architecture
        var cells = [
            row.weights, "\(a.imageEncoder) + \(a.textEncoder)", grouped(a.parameters),
            percent(row.validationR1AmongAll.imageToText), percent(row.validationR1AmongAll.textToImage),
            row.robustnessR1ImageToText.map(percent) ?? "    –",
        ]
        if let t = row.training {
            let estimated = t.secondsPerEpochBasis != WeightsComparison.Training.historyMedian
            cells.append(String(t.epochs))
            cells.append(String(format: "%.2f", t.secondsPerEpoch) + (estimated ? "*" : ""))
            if estimated {
                footnotes.append("*: total seconds / epochs; the file's training record has no per-epoch history")
            }
            cells.append(t.targetEpoch.map { String($0) } ?? "not reached")
            cells.append(t.secondsToTarget.map { String(format: "%.1f s", $0) } ?? "–")
        } else {
            cells += ["–", "–", "–", "–"]
            footnotes.append("–: the file has no training record (epoch times, history)")
        }
        return cells
    }
    let widths = headers.indices.map { i in ([headers[i]] + cells.map { $0[i] }).map(\.count).max() ?? 0 }
    func line(_ values: [String]) -> String {
        values.indices.map { i in
            leftAligned.contains(i) ? values[i].rightPadded(to: widths[i]) : values[i].leftPadded(to: widths[i])
        }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }
    var lines = [line(headers)] + cells.map(line)
    lines.append("")
    lines.append("val R@1: the 49 validation images and captions, each ranked among all 243 candidates;")
    lines.append(
        "robust R@1: image→text on the robustness renders, among all 243 (both computed now from the weights).")
    lines.append("epochs, s / epoch: from the file's training record; the median epoch time, validation pass included.")
    lines.append("target epoch: from it to the last epoch, validation R@1 among 243 is 100 % both ways;")
    lines.append("time to target: seconds from the start of training to the end of that epoch.")
    var seen = Set<String>()
    lines += footnotes.filter { seen.insert($0).inserted }
    return lines.joined(separator: "\n")
}

/// 281344 → "281,344".
func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, ch) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(ch)
    }
    return (n < 0 ? "-" : "") + out
}

/// The evaluation metrics as a terminal table.
func metricsTable(_ report: EvaluationReport, dataset: any Dataset, validationCount: Int) -> String {
    let header = "".rightPadded(to: 28) + "image→text                  text→image"
    let sub = "".rightPadded(to: 28) + "R@1     R@5     mean rank   R@1     R@5     mean rank"
    func row(_ label: String, _ m: DirectionMetrics) -> String {
        func cells(_ r: RankMetrics) -> String {
            percent(r.r1) + "  " + percent(r.r5) + "  " + String(format: "%9.2f", r.meanRank) + "   "
        }
        return label.rightPadded(to: 28) + cells(m.imageToText) + cells(m.textToImage)
    }
    var lines = [header, sub]
    lines.append(row("validation, among \(validationCount)", report.validation.amongValidation))
    lines.append(row("validation, among \(dataset.count)", report.validation.amongAll))
    if let robustness = report.robustness {
        lines.append(row("robustness, among \(dataset.count)", robustness.amongAll))
        for name in dataset.robustnessSetNames {
            if let m = robustness.byPerturbation[name] { lines.append(row("  \(name)", m)) }
        }
    }
    if let binding = report.binding {
        let kinds = ["colour", "shape", "argument"].compactMap { kind in
            binding.byKind[kind].map { "\(kind) \(percent($0))" }
        }
        lines.append("")
        lines.append(
            "binding test".rightPadded(to: 28) + percent(binding.overall) + " of \(binding.cases) cases:  "
                + kinds.joined(separator: "  "))
    }
    if let captioning = report.captioning {
        lines += [""] + captioningTable(captioning, validationCount: validationCount)
    }
    return lines.joined(separator: "\n")
}

/// The decoder's captions beside retrieval-as-captioning: right, parsing, BLEU-4.
func captioningTable(_ c: CaptioningReport, validationCount: Int) -> [String] {
    func cells(_ s: CaptionScores) -> String {
        percent(s.exactMatch) + "  " + (s.parses.map(percent) ?? "     –") + "  "
            + (s.bleu4.map { String(format: "%6.3f", $0) } ?? "     –") + "    "
    }
    func row(_ label: String, _ pair: CaptioningReport.Pair) -> String {
        label.rightPadded(to: 28) + cells(pair.decoder) + cells(pair.retrieval)
    }
    var lines = [
        "captions (beam \(c.beam))".rightPadded(to: 28) + "decoder                     retrieval",
        "".rightPadded(to: 28) + "right   parses  BLEU-4      right   parses  BLEU-4",
        row("validation, \(validationCount) images", c.validation),
    ]
    if let robustness = c.robustness {
        lines.append(row("robustness, \(robustness.decoder.count) renders", robustness))
    }
    return lines
}
