import Foundation

/// One line of `/readyz?verbose`.
public struct ReadinessCheck: Encodable, Equatable, Sendable {
    public enum State: String, Encodable, Sendable {
        case pending, running, ok, failed
    }

    public let name: String
    public var state: State
    public var detail: String?
    /// Training progress, while the weights check is training.
    public var epoch: Int?
    public var epochs: Int?
}

/// What start-up is doing, as `/readyz` reports it.
public enum StartupStage: String, Encodable, Sendable {
    case starting, loading, training, embedding, selfTest = "self_test", ready, failed
}

/// A consistent copy of the readiness state.
public struct ReadinessSnapshot: Sendable {
    public let stage: StartupStage
    public let checks: [ReadinessCheck]
    public var isReady: Bool { stage == .ready }

    /// A phrase for 503 messages, e.g. "training, epoch 12 of 200", or while a file
    /// dataset is read, "opening folder:photos: decoding images, 120 of 4000".
    public var summary: String {
        let weights = checks.first { $0.name == Readiness.weights }
        switch stage {
        case .training:
            if let epoch = weights?.epoch, let epochs = weights?.epochs {
                return "training, epoch \(epoch) of \(epochs)"
            }
            return weights?.detail ?? "training"
        case .loading: return weights?.detail ?? "loading"
        case .selfTest: return "running the self-test"
        case .failed:
            return "start-up failed: " + (checks.first { $0.state == .failed }?.detail ?? "unknown error")
        default: return stage.rawValue
        }
    }
}

/// The start-up checks behind `/readyz`, updated by the start-up thread and read by
/// request threads.
public final class Readiness: @unchecked Sendable {
    static let weights = "weights"
    static let imageEmbeddings = "image_embeddings"
    static let captionEmbeddings = "caption_embeddings"
    static let selfTest = "self_test"

    private let lock = NSLock()
    private var stage = StartupStage.starting
    private var checks: [ReadinessCheck] = [weights, imageEmbeddings, captionEmbeddings, selfTest].map {
        ReadinessCheck(name: $0, state: .pending)
    }

    public init() {}

    public var snapshot: ReadinessSnapshot {
        lock.lock()
        defer { lock.unlock() }
        return ReadinessSnapshot(stage: stage, checks: checks)
    }

    func set(stage newStage: StartupStage) {
        lock.lock()
        stage = newStage
        lock.unlock()
    }

    func update(
        _ name: String, _ state: ReadinessCheck.State, detail: String? = nil, epoch: Int? = nil, epochs: Int? = nil
    ) {
        lock.lock()
        defer { lock.unlock() }
        guard let index = checks.firstIndex(where: { $0.name == name }) else { return }
        checks[index].state = state
        checks[index].detail = detail
        checks[index].epoch = epoch
        checks[index].epochs = epochs
        if state == .failed { stage = .failed }
    }
}
