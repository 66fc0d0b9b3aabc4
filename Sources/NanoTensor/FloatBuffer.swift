/// A fixed-size, manually managed `Float` buffer: one allocation, no copy-on-write checks
/// on the hot path. Layers read and write through `pointer`; the buffer frees itself.
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    public init(count: Int) {
        precondition(count >= 0)
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    deinit { pointer.deallocate() }

    public subscript(index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }

    public func zero() { pointer.update(repeating: 0, count: count) }

    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// A copy of `count` values starting at `offset`.
    public func slice(_ offset: Int, _ length: Int) -> [Float] {
        precondition(offset >= 0 && length >= 0 && offset + length <= count)
        return Array(UnsafeBufferPointer(start: pointer + offset, count: length))
    }

    public func copy(from values: [Float], at offset: Int = 0) {
        precondition(offset + values.count <= count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { (pointer + offset).update(from: base, count: values.count) }
        }
    }
}
