import ArgumentParser
import Datasets
import Foundation
import ImageIO
import JSON

struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Write a dataset as a folder: its images (<id>.png) and captions.tsv.",
        discussion: """
            captions.tsv has a header line and one line per caption: path, caption, id, the \
            dataset's own fields (shapes: colour, shape, position) and split. The folder is itself \
            a dataset: --dataset folder:DIR reads it back.
            """)

    @OptionGroup var common: CommonOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "Directory to write into (created if missing).")
    var out: String

    func run() throws {
        let config = try common.load()
        let dataset = try openDataset(config, quiet: output.json)
        let split = dataset.split(seed: config.training.seed)
        let directory = URL(fileURLWithPath: out, isDirectory: true)
        var lines = 0
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let fieldNames = dataset.count > 0 ? dataset.fields(of: 0).map(\.name) : []
            var tsv = (["path", "caption", "id"] + fieldNames + ["split"]).joined(separator: "\t") + "\n"
            for id in dataset.ids {
                let png = try PNGCodec.encode(dataset.galleryImage(id))
                try Data(png).write(to: directory.appendingPathComponent("\(id).png"))
                let part = split.isValidation(id) ? "validation" : "train"
                // Text fields as they are; structured ones (a scene's objects) as compact JSON.
                let fields = dataset.fields(of: id).map { field -> String in
                    guard case .string(let text) = field.value else {
                        return String(decoding: field.value.serialized, as: UTF8.self)
                    }
                    return text.replacingOccurrences(of: "\t", with: " ")
                }
                for caption in dataset.captions(of: id) {
                    let clean = caption.replacingOccurrences(of: "\t", with: " ")
                        .replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
                    tsv += (["\(id).png", clean, String(id)] + fields + [part]).joined(separator: "\t") + "\n"
                    lines += 1
                }
            }
            try Data(tsv.utf8).write(to: directory.appendingPathComponent("captions.tsv"))
        } catch let error as ImageError {
            throw CommandFailure("cannot encode PNG: \(error.message)")
        } catch {
            throw CommandFailure("cannot write to \(out): \(error.localizedDescription)")
        }
        if output.json {
            struct Result: Encodable { let directory: String, images: Int, captions: Int, file: String }
            print(try jsonText(Result(directory: out, images: dataset.count, captions: lines, file: "captions.tsv")))
        } else {
            print("wrote \(dataset.count) PNGs and captions.tsv (\(lines) captions) to \(out)")
        }
    }
}
