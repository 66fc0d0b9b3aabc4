import ArgumentParser

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load the weights (or train and save them) and serve the HTTP API.")

    @OptionGroup var common: CommonOptions

    func run() throws {
        throw ValidationError("serve is not built yet")
    }
}
