import Foundation
import HTTPServer
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `nanovlm serve`: listen at once, then load (or train) the model, self-test it and
/// become ready; reload on SIGHUP; stop gracefully on SIGTERM/SIGINT.
public enum ServiceRunner {
    private enum Event {
        case startupFinished(LoadedModel)
        case startupFailed(String)
        case signal(Int32)
    }

    /// Runs until SIGTERM/SIGINT (returns 0) or a start-up failure (logs it, returns 1).
    /// - Parameters:
    ///   - configuration: every setting (docs/CONFIGURATION.md).
    ///   - announce: told `"listening on http://HOST:PORT"` once the socket is bound.
    /// - Throws: `ServedFiles.MissingError` when the page or the OpenAPI document is not
    ///   next to the binary (checked before the socket is bound, so a broken install never
    ///   serves), `HTTPServerError` when the address cannot be bound.
    public static func run(
        configuration: AppConfiguration, announce: @escaping (String) -> Void = ServiceRunner.printLine
    ) throws -> Int32 {
        let logger = makeLogger(level: configuration.logLevel)
        if case .failure(let error) = ServedFiles.loaded {
            logger.critical(
                "resource bundle missing",
                metadata: [
                    "missing": "\(error.missing.joined(separator: ", "))",
                    "searched": "\(error.searched.joined(separator: ", "))",
                ])
            throw error
        }
        let state = ServiceState(configuration: configuration, logger: logger)
        let api = ServiceAPI(state: state)
        let events = EventQueue<Event>()
        try SignalWatcher.start(signals: [SIGTERM, SIGINT, SIGHUP]) { events.post(.signal($0)) }

        let settings = configuration.server
        let server = HTTPServer(
            configuration: ServerConfiguration(
                host: settings.host, port: settings.port, maxBodyBytes: settings.maxBodyBytes,
                threads: settings.threads,
                connectionTimeoutSeconds: settings.connectionTimeoutSeconds, connectionLimit: settings.connectionLimit,
                perIPConnectionLimit: settings.perIPConnectionLimit),
            handler: { api.handle($0) })
        try server.start()
        let host = settings.host.contains(":") ? "[\(settings.host)]" : settings.host
        logger.info(
            "listening", metadata: ["address": "http://\(host):\(server.port)", "threads": "\(settings.threads)"])
        announce("listening on http://\(host):\(server.port)")

        let startup = Thread {
            do {
                events.post(.startupFinished(try prepareModel(state: state)))
            } catch {
                events.post(.startupFailed("\(error)"))
            }
        }
        startup.name = "nanovlm-startup"
        startup.stackSize = 16 << 20
        startup.start()

        while true {
            switch events.next() {
            case .startupFinished(let model):
                state.install(model)
                logger.info(
                    "ready",
                    metadata: [
                        "source": "\(model.provenance.source.rawValue)", "gallery_r1": "\(model.galleryR1)",
                        "sha256": "\(model.provenance.sha256 ?? "-")",
                    ])
            case .startupFailed(let message):
                state.readiness.set(stage: .failed)
                logger.critical("start-up failed", metadata: ["error": "\(message)"])
                server.stop()
                return 1
            case .signal(SIGHUP):
                guard state.model != nil else {
                    logger.warning("SIGHUP ignored: the model is still starting")
                    continue
                }
                DispatchQueue.global().async {
                    do {
                        try state.reload()
                    } catch {
                        logger.error(
                            "SIGHUP reload failed; the previous model keeps serving", metadata: ["error": "\(error)"])
                    }
                }
            case .signal(let number):
                logger.info("stopping: finishing in-flight requests", metadata: ["signal": "\(number)"])
                server.stop()
                logger.info("stopped")
                return 0
            }
        }
    }

    /// Load the weights file if it exists, else train and save; then embed and self-test.
    private static func prepareModel(state: ServiceState) throws -> LoadedModel {
        let configuration = state.configuration
        let logger = state.logger
        let path = configuration.weights
        if FileManager.default.fileExists(atPath: path) {
            logger.info("loading weights", metadata: ["path": "\(path)"])
            let model = try ModelLoader.load(path: path, configuration: configuration, readiness: state.readiness)
            logger.info("self-test passed", metadata: ["gallery_r1": "\(model.galleryR1)"])
            return model
        }
        logger.info(
            "no weights file; training",
            metadata: [
                "path": "\(path)", "epochs": "\(configuration.training.epochs)",
                "seed": "\(configuration.training.seed)",
            ])
        let checkpoint = try ModelLoader.train(configuration: configuration, readiness: state.readiness, logger: logger)
        logger.info(
            "trained", metadata: ["seconds": "\(checkpoint.summary.map { String(format: "%.1f", $0.seconds) } ?? "-")"])
        let model = try ModelLoader.prepare(
            checkpoint, source: .trainedAtStartup, path: path, configuration: configuration, readiness: state.readiness)
        logger.info("self-test passed", metadata: ["gallery_r1": "\(model.galleryR1)"])
        return model
    }

    /// Logs to standard error at the configured level. The logging system is set up once
    /// per process; later calls only pick the level of the returned logger.
    static func makeLogger(level: String) -> Logger {
        let logLevel = Logger.Level(rawValue: level) ?? .info
        LoggingBootstrap.once
        var logger = Logger(label: "nanovlm")
        logger.logLevel = logLevel
        return logger
    }

    /// Prints a line to standard output and flushes it, so a pipe sees it at once.
    public static func printLine(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

private enum LoggingBootstrap {
    static let once: Void = LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
}
