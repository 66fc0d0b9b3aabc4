import Foundation

/// What a training record says about speed and about reaching the validation
/// target, read from the per-epoch history that `train` stores in the weights' metadata.
extension TrainingSummary {
    /// Seconds each epoch took (its validation pass included), from the cumulative
    /// `elapsed` of consecutive history entries.
    public var epochSeconds: [Double] {
        zip(history, [0] + history.map(\.elapsed)).map { $0.elapsed - $1 }
    }

    /// The median of `epochSeconds` (robust to a busy machine's slow epochs); nil without a history.
    public var medianEpochSeconds: Double? {
        let sorted = epochSeconds.sorted()
        guard !sorted.isEmpty else { return nil }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The epoch from which validation R@1 among all 243 is 100 % both ways in every
    /// evaluated epoch to the end of training, or nil when the last evaluated epoch misses it
    /// (or no epoch was evaluated). Its `elapsed` is the time to reach the target.
    public var targetEpoch: EpochReport? { epoch(holding: 1, binding: nil) }

    /// The scenes set's target: validation R@1 among the gallery ≥ 99 % both ways and the
    /// binding test ≥ 99 %, from this epoch to the end.
    public var scenesTargetEpoch: EpochReport? { epoch(holding: 0.99, binding: 0.99) }

    /// The first evaluated epoch from which validation R@1 is at least `r1` both ways (and
    /// the binding test at least `binding`) in every evaluated epoch to the end.
    public func epoch(holding r1: Double, binding: Double?) -> EpochReport? {
        let evaluated = history.filter { $0.valR1ImageToText != nil && $0.valR1TextToImage != nil }
        let misses = { (e: EpochReport) in
            (e.valR1ImageToText ?? 0) < r1 || (e.valR1TextToImage ?? 0) < r1 || (e.binding ?? 0) < (binding ?? 0)
        }
        guard let lastMiss = evaluated.lastIndex(where: misses) else { return evaluated.first }
        return lastMiss + 1 < evaluated.count ? evaluated[lastMiss + 1] : nil
    }
}
