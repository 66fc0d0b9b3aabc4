import ArgumentParser
import Foundation
import ImageIO
import NanoVLM
import ShapesData

struct Query: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rank images for a caption, or captions for a PNG, on the terminal (no server).")

    @OptionGroup var common: CommonOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "A caption or partial caption, e.g. \"pink circle top\".")
    var text: String?

    @Option(help: "A PNG file: rank the 243 captions for it.")
    var image: String?

    @Option(name: .short, help: "How many results (1…243).")
    var k: Int = 5

    func validate() throws {
        guard (text == nil) != (image == nil) else {
            throw ValidationError("give either a caption or --image FILE.png, not both and not neither")
        }
        guard (1...Dataset.count).contains(k) else {
            throw ValidationError("-k must be in 1…\(Dataset.count) (got \(k))")
        }
    }

    func run() throws {
        let config = try common.load()
        // Parse the input before any training, so a typo fails fast.
        var tokens: [Int] = []
        var picture: RGBImage?
        if let text {
            do {
                tokens = try QueryParser.parse(text).tokens
            } catch let error as QueryError {
                throw CommandFailure(error.description)
            }
        } else if let image {
            guard let data = FileManager.default.contents(atPath: image) else {
                throw CommandFailure("cannot read \(image)")
            }
            do {
                picture = try PNGCodec.decodeForModel([UInt8](data))
            } catch let error as PNGError {
                throw CommandFailure("\(image): \(error.message)")
            }
        }
        let index = RetrievalIndex(model: try loadOrTrain(config, quiet: output.json).model)
        let hits = picture.map { index.searchCaptions(image: $0, k: k) } ?? index.searchImages(tokens: tokens, k: k)
        struct Row: Encodable { let rank: Int, id: Int, caption: String, score: Float, probability: Float }
        let rows = hits.enumerated().map { i, hit in
            Row(rank: i + 1, id: hit.index, caption: Dataset.pairs[hit.index].caption,
                score: hit.score, probability: hit.probability)
        }
        if output.json {
            struct Result: Encodable { let query: String, k: Int, results: [Row] }
            print(try jsonText(Result(query: text ?? image ?? "", k: k, results: rows)))
        } else {
            print("rank  id   score   prob    caption")
            for r in rows {
                print(String(r.rank).leftPadded(to: 4) + "  " + String(r.id).leftPadded(to: 3)
                    + String(format: "  %.3f  %.3f  ", r.score, r.probability) + r.caption)
            }
        }
    }
}
