import Synchronization

/// A count that worker threads change on every request and that is read rarely (the drain
/// at stop, tests). Each thread adds to a slot of its own on a cache line of its own, so two
/// worker threads don't pass one line back and forth twice per request; reading adds the
/// slots up. Exact once the changes it counts have happened.
final class ShardedCounter: Sendable {
    private final class Slot: Sendable {
        let value = Atomic<Int>(0)
        /// Keeps the next slot's value off this line and its prefetched neighbour.
        private let padding = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    }

    private let slots = (0..<16).map { _ in Slot() }

    func add(_ delta: Int) {
        slots[ThreadSlot.current % slots.count].value.wrappingAdd(delta, ordering: .acquiringAndReleasing)
    }

    var value: Int {
        slots.reduce(0) { $0 &+ $1.value.load(ordering: .acquiring) }
    }
}
