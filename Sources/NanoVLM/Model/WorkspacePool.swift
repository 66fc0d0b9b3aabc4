import Foundation

/// A lock-protected free list of reusable buffers, so concurrent request threads each get
/// their own scratch without allocating per request.
final class WorkspacePool<Workspace>: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [Workspace] = []
    private let make: () -> Workspace

    init(make: @escaping () -> Workspace) { self.make = make }

    func with<R>(_ body: (Workspace) -> R) -> R {
        lock.lock()
        let workspace = free.popLast()
        lock.unlock()
        let w = workspace ?? make()
        defer {
            lock.lock()
            free.append(w)
            lock.unlock()
        }
        return body(w)
    }
}
