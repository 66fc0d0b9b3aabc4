#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension SafeTensorsFile {
    /// Writes atomically: the bytes go to a temporary file in the same directory, which
    /// is flushed to disk and then renamed over `path`, so a reader sees the old file or
    /// the new one, never a partial one.
    public static func write(tensors: [String: Tensor], metadata: [String: String], to path: String) throws {
        let bytes = try encode(tensors: tensors, metadata: metadata)
        let directory = directoryOf(path)
        let fileName = String(path.split(separator: "/", omittingEmptySubsequences: false).last ?? "")
        guard !fileName.isEmpty else {
            throw SafeTensorsError(message: "cannot write to \"\(path)\": the path names a directory, not a file")
        }
        let temporary = "\(directory)/.\(fileName).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw SafeTensorsError(
                message: "cannot write \"\(path)\": creating a file in \"\(directory)\" failed: \(lastError())")
        }
        var succeeded = false
        defer {
            if !succeeded { unlink(temporary) }
        }
        let writeError = bytes.withUnsafeBytes { buffer -> String? in
            var offset = 0
            while offset < buffer.count {
                guard let base = buffer.baseAddress else { break }
                let written = writeSome(descriptor, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return lastError()
                }
                offset += written
            }
            return nil
        }
        let syncFailed = writeError == nil && fsync(descriptor) != 0
        let syncError = syncFailed ? lastError() : nil
        let closeFailed = close(descriptor) != 0
        if let reason = writeError ?? syncError ?? (closeFailed ? lastError() : nil) {
            throw SafeTensorsError(message: "cannot write \"\(path)\": \(reason)")
        }
        guard rename(temporary, path) == 0 else {
            throw SafeTensorsError(
                message: "cannot write \"\(path)\": renaming the finished file into place failed: \(lastError())")
        }
        succeeded = true
        // Make the rename itself durable; a failure here loses nothing already written.
        let directoryDescriptor = open(directory, O_RDONLY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            _ = close(directoryDescriptor)
        }
    }

    /// Reads and validates a whole file; errors name the path and the problem.
    public static func read(path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            switch errno {
            case ENOENT: throw SafeTensorsError(message: "no file at \"\(path)\"")
            case EACCES: throw SafeTensorsError(message: "cannot read \"\(path)\": permission denied")
            default: throw SafeTensorsError(message: "cannot open \"\(path)\": \(lastError())")
            }
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw SafeTensorsError(message: "cannot read \"\(path)\": \(lastError())")
        }
        guard (status.st_mode & S_IFMT) != S_IFDIR else {
            throw SafeTensorsError(message: "\"\(path)\" is a directory, not a safetensors file")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw SafeTensorsError(message: "\"\(path)\" is not a regular file")
        }
        let size = Int(status.st_size)
        var readError: String?
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var offset = 0
            while offset < size, let base = buffer.baseAddress {
                let count = readSome(descriptor, base + offset, size - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    readError = lastError()
                    break
                }
                if count == 0 { break }  // the file shrank while being read
                offset += count
            }
            initialized = offset
        }
        if let readError {
            throw SafeTensorsError(message: "cannot read \"\(path)\": \(readError)")
        }
        do {
            return try decode(bytes)
        } catch let error as SafeTensorsError {
            throw SafeTensorsError(message: "\(path): \(error.message)")
        }
    }
}

private func directoryOf(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let directory = String(path[..<slash])
    return directory.isEmpty ? "/" : directory
}

private func lastError() -> String {
    String(cString: strerror(errno))
}

// At file scope, so that `read` and `write` mean the C functions rather than the
// static methods above.
private func writeSome(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}

private func readSome(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
