import ArgumentParser
import NanoTensor

@main
struct NanoVLMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nanovlm",
        abstract: "A CLIP-style nano vision–language model: train it, evaluate it, query it, serve it.",
        subcommands: [Serve.self, Train.self, Eval.self, DatasetCommand.self, Query.self],
        defaultSubcommand: Serve.self)

    static func main() {
        // OpenBLAS picks its kernels when it loads; fix a generic fallback before any work.
        BLASKernel.reexecuteIfGeneric()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
