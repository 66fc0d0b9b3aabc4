import ArgumentParser
import NanoTensor

@main
struct NanoVLMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nanovlm",
        abstract: "A CLIP-style nano vision–language model: train it, evaluate it, query it, serve it.",
        subcommands: [Serve.self, Train.self, Eval.self, DatasetCommand.self, Query.self, Caption.self],
        defaultSubcommand: Serve.self)

    static func main() {
        // OpenBLAS picks its kernels when it loads; fix a generic fallback before any work.
        BLASKernel.reexecuteIfGeneric()
        // Every subcommand parallelises above BLAS (training shards, embedding chunks, request
        // threads), and a threaded product rounds differently from a single-threaded one: with
        // one BLAS thread throughout, eval reproduces exactly the metrics training recorded.
        BLAS.setThreads(1)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
