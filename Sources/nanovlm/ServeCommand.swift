import ArgumentParser
import NanoVLMService

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load the weights (or train and save them) and serve the HTTP API.")

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Address to listen on (server.host).")
    var host: String?

    @Option(name: .long, help: "Port to listen on; 0 picks a free one (server.port).")
    var port: Int?

    @Option(name: .long, help: "HTTP worker threads (server.threads).")
    var threads: Int?

    @Option(name: .customLong("admin-token"), help: "Bearer token enabling POST /v1/admin/reload (server.admin_token).")
    var adminToken: String?

    func run() throws {
        var overrides: [String: String] = [:]
        if let host { overrides["server.host"] = host }
        if let port { overrides["server.port"] = String(port) }
        if let threads { overrides["server.threads"] = String(threads) }
        if let adminToken { overrides["server.admin_token"] = adminToken }
        let configuration = try common.load(extra: overrides)
        let status: Int32
        do {
            status = try ServiceRunner.run(configuration: configuration)
        } catch {
            printError("nanovlm serve: \(error)")
            throw ExitCode.failure
        }
        if status != 0 { throw ExitCode(status) }
    }
}
