import ArgumentParser
import Datasets
import Foundation
import ImageIO
import NanoVLM

struct Query: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rank images for a caption, or captions for a PNG, on the terminal (no server).")

    @OptionGroup var common: CommonOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "A caption or partial caption, e.g. \"pink circle top\".")
    var text: String?

    @Option(help: "A PNG file: rank the dataset's captions for it.")
    var image: String?

    @Option(name: .short, help: "How many results (1 to the number of candidates, 243 for the shapes set).")
    var k: Int = 5

    func validate() throws {
        guard (text == nil) != (image == nil) else {
            throw ValidationError("give either a caption or --image FILE.png, not both and not neither")
        }
        // Checked against the default dataset here, before any training; against the
        // weights' own dataset once they are loaded.
        let count = DatasetRegistry.defaultDataset.count
        guard (1...count).contains(k) else { throw ValidationError("-k must be in 1…\(count) (got \(k))") }
    }

    func run() throws {
        let config = try common.load()
        // Parse the input before any training, so a typo fails fast.
        func parse(_ text: String, _ dataset: any Dataset) throws -> [Int] {
            do {
                return try dataset.parse(query: text).tokens
            } catch let error as QueryError {
                throw CommandFailure(error.description)
            }
        }
        var picture: RGBImage?
        if let text {
            _ = try parse(text, DatasetRegistry.defaultDataset)
        } else if let image {
            guard let data = FileManager.default.contents(atPath: image) else {
                throw CommandFailure("cannot read \(image)")
            }
            do {
                picture = try ImageDecoding.decodeForModel([UInt8](data), side: 32, crop: .none)
            } catch let error as ImageError {
                throw CommandFailure("\(image): \(error.message)")
            }
        }
        let checkpoint = try loadOrTrain(config, quiet: output.json)
        let dataset = checkpoint.dataset
        guard k <= dataset.count else {
            throw CommandFailure("-k must be in 1…\(dataset.count), the number of candidates (got \(k))")
        }
        let tokens = try text.map { try parse($0, dataset) } ?? []
        let index = RetrievalIndex(model: checkpoint.model, dataset: dataset)
        let hits = picture.map { index.searchCaptions(image: $0, k: k) } ?? index.searchImages(tokens: tokens, k: k)
        struct Row: Encodable { let rank: Int, id: Int, caption: String, score: Float, probability: Float }
        let rows = hits.enumerated().map { i, hit in
            Row(
                rank: i + 1, id: hit.index, caption: dataset.caption(of: hit.index),
                score: hit.score, probability: hit.probability)
        }
        if output.json {
            struct Result: Encodable { let query: String, k: Int, results: [Row] }
            print(try jsonText(Result(query: text ?? image ?? "", k: k, results: rows)))
        } else {
            print("rank  id   score   prob    caption")
            for r in rows {
                let numbers = String(format: "  %.3f  %.3f  ", r.score, r.probability)
                print(String(r.rank).leftPadded(to: 4) + "  " + String(r.id).leftPadded(to: 3) + numbers + r.caption)
            }
        }
    }
}
