#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A value that every request reads and that is replaced rarely (the route table, the
/// served model, a cache). Readers share a POSIX read-write lock, so worker threads never
/// wait for each other the way they would on a mutex; a writer waits for the readers.
///
/// Inlinable, so users in other modules get it specialized for their value type rather
/// than copying values through generic witness tables on every read.
public final class ReadMostly<Value>: @unchecked Sendable {
    @usableFromInline let lock: UnsafeMutablePointer<pthread_rwlock_t>
    @usableFromInline var value: Value

    public init(_ value: Value) {
        self.value = value
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_rwlock_t())
        pthread_rwlock_init(lock, nil)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    /// Runs `body` with the value; other readers may run at the same time.
    @inlinable
    public func read<Result>(_ body: (Value) throws -> Result) rethrows -> Result {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body(value)
    }

    /// Runs `body` alone with the value to change.
    @inlinable
    public func write<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body(&value)
    }

    /// A copy of the value.
    @inlinable
    public var current: Value { read { $0 } }
}
