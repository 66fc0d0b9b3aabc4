import ArgumentParser

struct Eval: ParsableCommand {
    @OptionGroup var common: CommonOptions
    func run() throws { throw ValidationError("not built yet") }
}
