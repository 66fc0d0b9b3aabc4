#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A value that every request reads and that is replaced rarely (the route table, the
/// served model, a cache). Each thread reads under a read-write lock of its own slot, on a
/// cache line of its own, so worker threads neither wait for each other nor pass a lock's
/// cache line back and forth on every read; a writer takes every slot's lock, so it waits
/// for all readers and they for it.
///
/// Inlinable, so users in other modules get it specialized for their value type rather
/// than copying values through generic witness tables on every read.
public final class ReadMostly<Value>: @unchecked Sendable {
    @usableFromInline static var slotCount: Int { 16 }
    /// Bytes between slots' locks: two cache lines, past the adjacent-line prefetcher.
    @usableFromInline static var slotBytes: Int { 128 }

    @usableFromInline let locks: UnsafeMutableRawPointer
    @usableFromInline var value: Value

    public init(_ value: Value) {
        precondition(MemoryLayout<pthread_rwlock_t>.size <= Self.slotBytes)
        self.value = value
        locks = .allocate(byteCount: Self.slotCount * Self.slotBytes, alignment: Self.slotBytes)
        for slot in 0..<Self.slotCount {
            let lock = lock(slot)
            lock.initialize(to: pthread_rwlock_t())
            pthread_rwlock_init(lock, nil)
        }
    }

    deinit {
        for slot in 0..<Self.slotCount { pthread_rwlock_destroy(lock(slot)) }
        locks.deallocate()
    }

    @usableFromInline
    func lock(_ slot: Int) -> UnsafeMutablePointer<pthread_rwlock_t> {
        (locks + slot * Self.slotBytes).assumingMemoryBound(to: pthread_rwlock_t.self)
    }

    /// Runs `body` with the value; other readers may run at the same time.
    @inlinable
    public func read<Result>(_ body: (Value) throws -> Result) rethrows -> Result {
        let lock = lock(ThreadSlot.current % Self.slotCount)
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body(value)
    }

    /// Runs `body` alone with the value to change.
    @inlinable
    public func write<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        for slot in 0..<Self.slotCount { pthread_rwlock_wrlock(lock(slot)) }
        defer { for slot in 0..<Self.slotCount { pthread_rwlock_unlock(lock(slot)) } }
        return try body(&value)
    }

    /// A copy of the value.
    @inlinable
    public var current: Value { read { $0 } }
}
