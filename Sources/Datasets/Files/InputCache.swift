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
///
/// Beside the inputs, `KEY.index.json` records their count, side, checksum and the decoding
/// failures. A cache whose index is missing or unreadable, whose size is not the count's, or
/// whose bytes do not sum to the checksum (a damaged disk, a file copied in from elsewhere)
/// is decoded again and replaced, never used.
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
        var checksum = InputChecksum(bytesPerImage: n)
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
            if let pending {
                checksum.add(images: UnsafeRawPointer(buffer), count: m)
                pending.write(Data(bytes: buffer, count: m * n))
            }
            start += m
            progress(start)
        }
        if let pending {
            try? pending.close()
            let final = "\(folder)/\(key).inputs"
            let index = CacheIndex(
                count: paths.count, side: side, checksum: String(checksum.value, radix: 16),
                failures: failures.sorted { $0.key < $1.key }.map {
                    CacheIndex.Failure(index: $0.key, message: $0.value)
                })
            // The inputs first, then their index: an index never describes a file not yet complete.
            if rename(temporary, final) == 0, let encoded = try? JSONEncoder().encode(index),
                (try? encoded.write(to: URL(fileURLWithPath: "\(folder)/\(key).index.json"), options: .atomic)) != nil,
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
        guard let data = FileManager.default.contents(atPath: "\(folder)/\(key).index.json"),
            let index = try? JSONDecoder().decode(CacheIndex.self, from: data), index.count == count, index.side == side
        else { throw DatasetError("no cache") }
        let fd = Glibc.open(path, O_RDONLY)
        guard fd >= 0 else { throw DatasetError("no cache") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, Int(info.st_size) == size else { throw DatasetError("cache has the wrong size") }
        guard size > 0 else { throw DatasetError("empty cache") }
        guard let pointer = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), pointer != MAP_FAILED else {
            throw DatasetError("cannot map \(path)")
        }
        var checksum = InputChecksum(bytesPerImage: side * side * 3)
        checksum.add(images: UnsafeRawPointer(pointer), count: count)
        guard String(checksum.value, radix: 16) == index.checksum else {
            munmap(pointer, size)
            throw DatasetError("cache does not match its checksum")
        }
        var failures: [Int: String] = [:]
        for failure in index.failures { failures[failure.index] = failure.message }
        return InputCache(
            side: side, count: count, base: UnsafeRawPointer(pointer), mapped: size, heap: nil, failures: failures)
    }
}

/// What `KEY.index.json` says of `KEY.inputs`.
private struct CacheIndex: Codable {
    struct Failure: Codable {
        let index: Int
        let message: String
    }
    let count: Int
    let side: Int
    /// `InputChecksum` of the inputs, hexadecimal.
    let checksum: String
    let failures: [Failure]
}

/// A 64-bit checksum of the cached inputs, image by image, so that it is the same however
/// the images were written in chunks. Not cryptographic: it finds damaged or foreign bytes,
/// which is all a cache of the user's own files needs, at memory speed.
struct InputChecksum {
    let bytesPerImage: Int
    private(set) var value: UInt64

    init(bytesPerImage: Int) {
        self.bytesPerImage = bytesPerImage
        value = Self.mix(UInt64(bytesPerImage))
    }

    /// A bijective scramble of 64 bits (multiply, xor-shift), so that every input bit
    /// reaches every output bit within a few words.
    @inline(__always) static func mix(_ x: UInt64) -> UInt64 {
        var z = x &* 0x9E37_79B9_7F4A_7C15
        z ^= z >> 31
        z = z &* 0xBF58_476D_1CE4_E5B9
        z ^= z >> 29
        return z
    }

    /// Adds `count` images of `bytesPerImage` bytes starting at `base`.
    mutating func add(images base: UnsafeRawPointer, count: Int) {
        let n = bytesPerImage, words = n / 8
        for image in 0..<count {
            let start = base + image * n
            var h = value
            for w in 0..<words { h = Self.mix(h ^ start.loadUnaligned(fromByteOffset: w * 8, as: UInt64.self)) }
            var tail: UInt64 = 0
            for b in (words * 8)..<n { tail = tail << 8 | UInt64(start.load(fromByteOffset: b, as: UInt8.self)) }
            value = Self.mix(h ^ tail ^ UInt64(n - words * 8))
        }
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
