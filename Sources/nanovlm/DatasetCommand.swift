import ArgumentParser
import Datasets
import Foundation
import ImageIO

struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Write the dataset's gallery images (<id>.png) and captions.tsv.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "Directory to write into (created if missing).")
    var out: String

    func run() throws {
        let config = try common.load()
        let dataset = DatasetRegistry.defaultDataset
        let split = dataset.split(seed: config.training.seed)
        let directory = URL(fileURLWithPath: out, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let fieldNames = dataset.count > 0 ? dataset.fields(of: 0).map(\.name) : []
            var tsv = (["id", "caption"] + fieldNames + ["split"]).joined(separator: "\t") + "\n"
            for id in dataset.ids {
                let png = try PNGCodec.encode(dataset.galleryImage(id))
                try Data(png).write(to: directory.appendingPathComponent("\(id).png"))
                let part = split.isValidation(id) ? "validation" : "train"
                let row = [String(id), dataset.caption(of: id)] + dataset.fields(of: id).map(\.value) + [part]
                tsv += row.joined(separator: "\t") + "\n"
            }
            try Data(tsv.utf8).write(to: directory.appendingPathComponent("captions.tsv"))
        } catch let error as ImageError {
            throw CommandFailure("cannot encode PNG: \(error.message)")
        } catch {
            throw CommandFailure("cannot write to \(out): \(error.localizedDescription)")
        }
        if output.json {
            struct Result: Encodable { let directory: String, images: Int, captions: String }
            print(try jsonText(Result(directory: out, images: dataset.count, captions: "captions.tsv")))
        } else {
            print("wrote \(dataset.count) PNGs and captions.tsv to \(out)")
        }
    }
}
