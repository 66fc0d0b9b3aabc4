import Foundation
import HTTPServer
import Logging
import NanoVLM

/// Everything the handlers share: the configuration, the model being served (swapped
/// atomically on reload), readiness, metrics and the logger.
public final class ServiceState: @unchecked Sendable {
    public let configuration: AppConfiguration
    public let readiness = Readiness()
    public let metrics: MetricsRegistry
    public let logger: Logger

    private let current = ReadMostly<LoadedModel?>(nil)
    /// Serialises reloads; the served model stays available while one runs.
    private let reloadLock = NSLock()

    /// Seconds a client is asked to wait before retrying while the model is not ready.
    static let retryAfterSeconds = 5

    public init(configuration: AppConfiguration, metrics: MetricsRegistry = MetricsRegistry(), logger: Logger) {
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        publishReadyGauge(false)
    }

    /// The model now being served, or nil before start-up finished.
    public var model: LoadedModel? { current.current }

    /// The model for a request that needs one; 503 with `Retry-After` before ready.
    func requireModel() throws -> LoadedModel {
        if let model { return model }
        throw notReadyError()
    }

    /// 503 `not_ready` with `Retry-After`, saying what start-up is doing.
    func notReadyError() -> HTTPError {
        HTTPError(
            503, code: "not_ready",
            message: "The model is not ready yet (\(readiness.snapshot.summary)); retry in a few seconds.",
            headers: [("Retry-After", String(Self.retryAfterSeconds))])
    }

    /// Makes `model` the one new requests use; requests holding the old one finish with it.
    public func install(_ model: LoadedModel) {
        current.write { $0 = model }
        readiness.set(stage: .ready)
        publishReadyGauge(true)
    }

    /// Re-reads the configured weights file, self-tests it and swaps it in. On any error
    /// the model being served stays.
    /// - Throws: `ModelLoaderError` naming the problem.
    @discardableResult
    public func reload() throws -> LoadedModel {
        reloadLock.lock()
        defer { reloadLock.unlock() }
        let path = configuration.weights
        logger.info("reloading weights", metadata: ["path": "\(path)"])
        let loaded = try ModelLoader.load(path: path, configuration: configuration)
        install(loaded)
        logger.info(
            "reloaded weights",
            metadata: [
                "path": "\(path)", "sha256": "\(loaded.provenance.sha256 ?? "-")", "gallery_r1": "\(loaded.galleryR1)",
            ])
        return loaded
    }

    func publishReadyGauge(_ ready: Bool) {
        metrics.setGauge(
            "nanovlm_model_ready", help: "1 once the model is loaded, embedded and self-tested, else 0.",
            value: ready ? 1 : 0)
    }
}
