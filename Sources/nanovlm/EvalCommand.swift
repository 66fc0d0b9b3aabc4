import ArgumentParser
import NanoVLM
import ShapesData

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the SPEC §4 metrics of the saved weights.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let config = try common.load()
        let checkpoint = try loadOrTrain(config, quiet: output.json)
        let split = Dataset.split(seed: checkpoint.training?.seed ?? config.training.seed)
        let report = Evaluator.evaluate(checkpoint.model, split: split)
        if output.json {
            print(try jsonText(report))
        } else {
            print("weights: \(config.weights)\n")
            print(metricsTable(report))
        }
    }
}

/// The §4 metrics as a terminal table.
func metricsTable(_ report: EvaluationReport) -> String {
    let header = "".rightPadded(to: 28) + "image→text                  text→image"
    let sub = "".rightPadded(to: 28) + "R@1     R@5     mean rank   R@1     R@5     mean rank"
    func row(_ label: String, _ m: DirectionMetrics) -> String {
        func cells(_ r: RankMetrics) -> String {
            percent(r.r1) + "  " + percent(r.r5) + "  " + String(format: "%9.2f", r.meanRank) + "   "
        }
        return label.rightPadded(to: 28) + cells(m.imageToText) + cells(m.textToImage)
    }
    var lines = [header, sub]
    lines.append(row("validation, among 49", report.validation.amongValidation))
    lines.append(row("validation, among 243", report.validation.amongAll))
    lines.append(row("robustness, among 243", report.robustness.amongAll))
    for p in Perturbation.allCases {
        if let m = report.robustness.byPerturbation[p.rawValue] { lines.append(row("  \(p.rawValue)", m)) }
    }
    return lines.joined(separator: "\n")
}
