import ArgumentParser
import Foundation
import ImageIO
import ShapesData

struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Write the 243 canonical PNGs (<id>.png) and captions.tsv.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "Directory to write into (created if missing).")
    var out: String

    func run() throws {
        let config = try common.load()
        let split = Dataset.split(seed: config.training.seed)
        let directory = URL(fileURLWithPath: out, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            var tsv = "id\tcaption\tcolour\tshape\tposition\tsplit\n"
            for pair in Dataset.pairs {
                let png = try PNGCodec.encode(Renderer.canonical(pair.id))
                try Data(png).write(to: directory.appendingPathComponent("\(pair.id).png"))
                let part = split.isValidation(pair.id) ? "validation" : "train"
                tsv += "\(pair.id)\t\(pair.caption)\t\(pair.colour.name)\t\(pair.shape.name)\t\(pair.position.name)\t\(part)\n"
            }
            try Data(tsv.utf8).write(to: directory.appendingPathComponent("captions.tsv"))
        } catch let error as PNGError {
            throw CommandFailure("cannot encode PNG: \(error.message)")
        } catch {
            throw CommandFailure("cannot write to \(out): \(error.localizedDescription)")
        }
        if output.json {
            struct Result: Encodable { let directory: String, images: Int, captions: String }
            print(try jsonText(Result(directory: out, images: Dataset.count, captions: "captions.tsv")))
        } else {
            print("wrote \(Dataset.count) PNGs and captions.tsv to \(out)")
        }
    }
}
