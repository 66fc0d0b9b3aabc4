import Foundation
import ImageIO

#if canImport(Glibc)
    import Glibc
#endif

/// The decoded model inputs of a dataset's image files, 8-bit RGB (side, side, 3) each, so
/// that epochs after the first decode nothing. Kept in a file named by the key (the
/// listing's digest with sizes and modification times, the side and the crop) and mapped
/// into memory, so a large dataset's inputs are paged in by the kernel, never copied whole
/// into the heap; with no cache folder they are kept in memory.
final class InputCache: @unchecked Sendable {
    let side: Int
    let count: Int
    private let base: UnsafeRawPointer
    private let mapped: Int  // bytes mapped, 0 when the heap holds them
    private let heap: UnsafeMutableRawPointer?
    /// Why each input that failed to decode failed, by listing index.
    let failures: [Int: String]

    var bytesPerImage: Int { side * side * 3 }

    private init(
        side: Int, count: Int, base: UnsafeRawPointer, mapped: Int, heap: UnsafeMutableRawPointer?,
        failures: [Int: String]
    ) {
        self.side = side
        self.count = count
        self.base = base
        self.mapped = mapped
        self.heap = heap
        self.failures = failures
    }

    deinit {
        if mapped > 0 { munmap(UnsafeMutableRawPointer(mutating: base), mapped) }
        heap?.deallocate()
    }

    /// Input `index` as a model image.
    func image(_ index: Int) -> RGBImage {
        let n = bytesPerImage
        let bytes = (base + index * n).assumingMemoryBound(to: UInt8.self)
        let pixels = [Float](unsafeUninitializedCapacity: n) { out, initialised in
            for i in 0..<n { out[i] = Float(bytes[i]) / 255 }
            initialised = n
        }
        return RGBImage(width: side, height: side, pixels: pixels)
    }

    /// Opens the cache for `key` in `folder`, or decodes every path (on `threads` threads,
    /// in chunks, each written out before the next) and writes it. `progress` hears the
    /// count decoded so far.
    static func open(
        key: String, folder: String, paths: [String], side: Int, threads: Int,
        decode: @escaping @Sendable (String) throws -> RGBImage, progress: (Int) -> Void = { _ in }
    ) throws -> InputCache {
        let n = side * side * 3
        if !folder.isEmpty, let cached = try? mapFile(folder: folder, key: key, count: paths.count, side: side) {
            return cached
        }
        var failures: [Int: String] = [:]
        let chunk = 256
        var pending: FileHandle?
        var temporary = ""
        if !folder.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                temporary = "\(folder)/\(key).inputs.\(getpid()).partial"
                guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
                    throw DatasetError("cannot create \(temporary)")
                }
                pending = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            } catch {
                pending = nil
            }
        }
        let heap: UnsafeMutableRawPointer? =
            pending == nil ? UnsafeMutableRawPointer.allocate(byteCount: max(1, paths.count * n), alignment: 16) : nil
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk * n, alignment: 16)
        defer { buffer.deallocate() }
        var start = 0
        while start < paths.count {
            let m = min(chunk, paths.count - start)
            let results = ChunkResults(count: m)
            let chunkStart = start
            let write = UnsafeMutableRawPointer(mutating: heap.map { $0 + chunkStart * n } ?? buffer)
            let target = SendablePointer(write)
            DispatchQueue.concurrentPerform(iterations: max(1, min(threads, m))) { worker in
                var i = worker
                while i < m {
                    let out = (target.pointer + i * n).assumingMemoryBound(to: UInt8.self)
                    do {
                        let image = try decode(paths[chunkStart + i])
                        for k in 0..<n { out[k] = UInt8(max(0, min(255, (image.pixels[k] * 255).rounded()))) }
                    } catch {
                        out.initialize(repeating: 0, count: n)
                        results.set(i, "\(error)")
                    }
                    i += max(1, min(threads, m))
                }
            }
            for (i, why) in results.messages.enumerated() { if let why { failures[chunkStart + i] = why } }
            if let pending { pending.write(Data(bytes: buffer, count: m * n)) }
            start += m
            progress(start)
        }
        if let pending {
            try? pending.close()
            let final = "\(folder)/\(key).inputs"
            let failurePath = "\(folder)/\(key).failures.json"
            let encoded = (try? JSONEncoder().encode(failures.map { [String($0.key), $0.value] })) ?? Data("[]".utf8)
            if (try? encoded.write(to: URL(fileURLWithPath: failurePath), options: .atomic)) != nil,
                rename(temporary, final) == 0,
                let cached = try? mapFile(folder: folder, key: key, count: paths.count, side: side)
            {
                return cached
            }
            unlink(temporary)
            // The folder could not keep the cache: decode again into memory.
            return try open(key: key, folder: "", paths: paths, side: side, threads: threads, decode: decode)
        }
        guard let heap else { throw DatasetError("no memory for the decoded inputs") }
        return InputCache(
            side: side, count: paths.count, base: UnsafeRawPointer(heap), mapped: 0, heap: heap, failures: failures)
    }

    private static func mapFile(folder: String, key: String, count: Int, side: Int) throws -> InputCache {
        let path = "\(folder)/\(key).inputs"
        let size = count * side * side * 3
        guard let data = FileManager.default.contents(atPath: "\(folder)/\(key).failures.json"),
            let pairs = try? JSONDecoder().decode([[String]].self, from: data)
        else { throw DatasetError("no cache") }
        var failures: [Int: String] = [:]
        for pair in pairs where pair.count == 2 { if let i = Int(pair[0]) { failures[i] = pair[1] } }
        let fd = Glibc.open(path, O_RDONLY)
        guard fd >= 0 else { throw DatasetError("no cache") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, Int(info.st_size) == size else { throw DatasetError("cache has the wrong size") }
        guard size > 0 else { throw DatasetError("empty cache") }
        guard let pointer = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), pointer != MAP_FAILED else {
            throw DatasetError("cannot map \(path)")
        }
        return InputCache(
            side: side, count: count, base: UnsafeRawPointer(pointer), mapped: size, heap: nil, failures: failures)
    }
}

private struct SendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    init(_ pointer: UnsafeMutableRawPointer) { self.pointer = pointer }
}

/// Per-input failure messages written by concurrent decoders, each to its own slot.
private final class ChunkResults: @unchecked Sendable {
    private(set) var messages: [String?]
    private let lock = NSLock()
    init(count: Int) { messages = [String?](repeating: nil, count: count) }
    func set(_ i: Int, _ message: String) {
        lock.lock()
        messages[i] = message
        lock.unlock()
    }
}
