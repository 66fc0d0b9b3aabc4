import ArgumentParser
import Datasets
import Foundation
import ImageIO
import NanoVLM

struct Query: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rank images for a caption, or captions for a PNG or JPEG, on the terminal (no server).")

    @OptionGroup var common: CommonOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "A caption or partial caption, e.g. \"pink circle top\".")
    var text: String?

    @Option(help: "A PNG or JPEG file: rank the dataset's captions for it.")
    var image: String?

    @Option(name: .short, help: "How many results (1 to the number of candidates, 243 for the shapes set).")
    var k: Int = 5

    func validate() throws {
        guard (text == nil) != (image == nil) else {
            throw ValidationError("give either a caption or --image FILE.png, not both and not neither")
        }
        // At most 1,000 here, before any training; at most the candidates once the weights
        // and their dataset are loaded.
        guard (1...1000).contains(k) else { throw ValidationError("-k must be in 1…1000 (got \(k))") }
    }

    func run() throws {
        let config = try common.load()
        // Parse the input before any training, so a typo fails fast.
        func parse(_ text: String, _ dataset: any Dataset) throws -> ParsedQuery {
            do {
                return try dataset.parse(query: text)
            } catch let error as QueryError {
                throw CommandFailure(error.description)
            }
        }
        var picture: RGBImage?
        var bytes: [UInt8] = []
        if let text {
            // A generated set's fixed vocabulary is known before any training.
            if case .generated(let name)? = try? DatasetSource(config.data.source) {
                _ = try parse(text, try DatasetRegistry.dataset(named: name))
            }
        } else if let image {
            guard let data = FileManager.default.contents(atPath: image) else {
                throw CommandFailure("cannot read \(image)")
            }
            do {
                bytes = [UInt8](data)
                picture = try ImageDecoding.decodeForModel(bytes, side: 32, crop: .none)
            } catch let error as ImageError {
                throw CommandFailure("\(image): \(error.message)")
            }
        }
        let checkpoint = try loadOrTrain(config, quiet: output.json)
        let dataset = checkpoint.dataset
        let query = try text.map { try parse($0, dataset) }
        let index = RetrievalIndex(model: checkpoint.model, dataset: dataset)
        let candidates = picture == nil ? dataset.count : index.captions.count
        guard k <= candidates else {
            throw CommandFailure("-k must be in 1…\(candidates), the number of candidates (got \(k))")
        }
        // A dataset read from files was trained on its configured crop; queries get the same.
        if picture != nil, dataset.digest != nil, dataset.configuration.crop == "centre" {
            picture = try? ImageDecoding.decodeForModel(bytes, side: 32, crop: .centre)
        }
        struct Row: Encodable { let rank: Int, id: Int, caption: String, score: Float, probability: Float }
        let rows: [Row]
        if let picture {
            // Captions: the id is the first item carrying the caption.
            rows = index.searchCaptions(image: picture, k: k).enumerated().map { i, hit in
                Row(
                    rank: i + 1, id: index.captions.items[hit.index][0], caption: index.captions.texts[hit.index],
                    score: hit.score, probability: hit.probability)
            }
        } else {
            rows = index.searchImages(tokens: query?.tokens ?? [], k: k).enumerated().map { i, hit in
                Row(
                    rank: i + 1, id: hit.index, caption: dataset.caption(of: hit.index), score: hit.score,
                    probability: hit.probability)
            }
        }
        let unknown = query?.unknownWords ?? []
        if output.json {
            struct Result: Encodable {
                let query: String, k: Int, results: [Row]
                let unknownWords: [String]?
                enum CodingKeys: String, CodingKey { case query, k, results, unknownWords = "unknown_words" }
            }
            print(
                try jsonText(
                    Result(
                        query: text ?? image ?? "", k: k, results: rows, unknownWords: unknown.isEmpty ? nil : unknown))
            )
        } else {
            if !unknown.isEmpty {
                printError("ignored words the model does not know: \(unknown.joined(separator: ", "))")
            }
            print("rank  id   score   prob    caption")
            for r in rows {
                let numbers = String(format: "  %.3f  %.3f  ", r.score, r.probability)
                print(String(r.rank).leftPadded(to: 4) + "  " + String(r.id).leftPadded(to: 3) + numbers + r.caption)
            }
        }
    }
}
