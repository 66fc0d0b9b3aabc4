import ArgumentParser
import Foundation
import ImageIO
import NanoVLM

struct Caption: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a caption for a PNG or JPEG on the terminal (no server).")

    @OptionGroup var common: CommonOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "A PNG or JPEG file.")
    var file: String

    @Option(help: "Beam width: 1 (greedy) to 8.")
    var beam: Int = 3

    @Option(name: .short, help: "How many alternatives to print, 1 to the beam width.")
    var n: Int = 1

    @Option(name: .customLong("max-words"), help: "The most words a caption has (1 to the dataset's limit).")
    var maxWords: Int = 8

    func validate() throws {
        guard (1...8).contains(beam) else { throw ValidationError("--beam must be in 1…8 (got \(beam))") }
        guard (1...beam).contains(n) else {
            throw ValidationError("-n must be in 1…\(beam), the beam width (got \(n))")
        }
        guard (1...64).contains(maxWords) else {
            throw ValidationError("--max-words must be in 1…64 (got \(maxWords))")
        }
    }

    func run() throws {
        let config = try common.load()
        guard let data = FileManager.default.contents(atPath: file) else { throw CommandFailure("cannot read \(file)") }
        let bytes = [UInt8](data)
        do {
            _ = try ImageDecoding.decodeForModel(bytes, side: 32, crop: .none)
        } catch let error as ImageError {
            throw CommandFailure("\(file): \(error.message)")
        }
        let checkpoint = try loadOrTrain(config, quiet: output.json)
        let model = checkpoint.model, dataset = checkpoint.dataset
        guard model.hasCaptionDecoder else {
            throw CommandFailure(
                "the weights in \(config.weights) have no caption decoder; train weights with one "
                    + "(nanovlm train, with model.caption.enabled, the default)")
        }
        guard maxWords <= model.maxCaptionWords else {
            throw CommandFailure(
                "--max-words must be in 1…\(model.maxCaptionWords) for \(dataset.name) (got \(maxWords))")
        }
        // A dataset read from files was trained on its configured crop; the image gets the same.
        let crop: ImageCrop = dataset.digest != nil && dataset.configuration.crop == "centre" ? .centre : .none
        let image = try ImageDecoding.decodeForModel(bytes, side: 32, crop: crop)
        let written = model.caption(image: image, beam: beam, count: n, maxWords: maxWords) ?? []
        struct Alternative: Encodable {
            let caption: String, logProbability: Float
            enum CodingKeys: String, CodingKey { case caption, logProbability = "log_probability" }
        }
        let alternatives = written.map {
            Alternative(caption: dataset.vocabulary.text($0.tokens), logProbability: $0.logProbability)
        }
        guard let best = alternatives.first else { throw CommandFailure("the decoder wrote no caption") }
        if output.json {
            struct Result: Encodable {
                let caption: String, logProbability: Float, alternatives: [Alternative], beam: Int, maxWords: Int
                enum CodingKeys: String, CodingKey {
                    case caption, logProbability = "log_probability", alternatives, beam, maxWords = "max_words"
                }
            }
            print(
                try jsonText(
                    Result(
                        caption: best.caption, logProbability: best.logProbability, alternatives: alternatives,
                        beam: beam, maxWords: maxWords)))
        } else if alternatives.count == 1 {
            print("\(best.caption)  (log p \(String(format: "%.3f", best.logProbability)))")
        } else {
            print("rank  log p     caption")
            for (i, a) in alternatives.enumerated() {
                print(
                    String(i + 1).leftPadded(to: 4) + "  " + String(format: "%7.3f", a.logProbability) + "   "
                        + a.caption)
            }
        }
    }
}
