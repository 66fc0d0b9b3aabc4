import JSON

/// A tensor of 32-bit floats, row-major, as stored in a safetensors file.
public struct Tensor: Sendable, Equatable {
    public let shape: [Int]
    public let values: [Float]

    /// `values.count` must be the product of `shape` (1 for the scalar shape `[]`);
    /// `SafeTensorsFile.encode` reports a mismatch.
    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }
}

/// Why a safetensors file could not be read or written: names the tensor and field, and
/// what was expected against what was found.
public struct SafeTensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String

    public init(message: String) { self.message = message }

    public var description: String { message }
}

/// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte
/// little-endian header length N, N bytes of JSON describing each tensor's dtype, shape
/// and byte range, then the raw little-endian data. Only F32 tensors are supported.
public enum SafeTensorsFile {
    /// The JSON header may not be larger than this (the reference implementation's limit).
    static let maximumHeaderLength = 100_000_000
    static let metadataKey = "__metadata__"

    // MARK: Writing

    /// Deterministic bytes: tensors sorted by name with contiguous data in that order,
    /// metadata keys sorted, the header padded with spaces to a multiple of 8 bytes.
    public static func encode(tensors: [String: Tensor], metadata: [String: String]) throws -> [UInt8] {
        let names = tensors.keys.sorted(by: byteOrder)
        var entries: [JSONObject.Member] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted(by: byteOrder).map { key in (key, JSONValue.string(metadata[key] ?? "")) }
            entries.append((metadataKey, .object(JSONObject(pairs))))
        }
        var ordered: [Tensor] = []
        var offset = 0
        for name in names {
            guard let tensor = tensors[name] else { continue }
            guard name != metadataKey else {
                throw SafeTensorsError(
                    message: "a tensor cannot be named \"\(metadataKey)\"; that key holds the metadata")
            }
            if let bad = tensor.shape.firstIndex(where: { $0 < 0 }) {
                throw SafeTensorsError(
                    message: "tensor \"\(name)\": shape[\(bad)] is \(tensor.shape[bad]); dimensions cannot be negative")
            }
            guard let count = elementCount(tensor.shape), count == tensor.values.count else {
                throw SafeTensorsError(
                    message:
                        "tensor \"\(name)\": shape \(tensor.shape) needs \(elementCount(tensor.shape).map(String.init) ?? "too many") values, but it has \(tensor.values.count)"
                )
            }
            let end = offset + count * 4
            let fields: [JSONObject.Member] = [
                ("dtype", .string("F32")), ("shape", .array(tensor.shape.map(JSONValue.int))),
                ("data_offsets", .array([.int(offset), .int(end)])),
            ]
            entries.append((name, .object(JSONObject(fields))))
            ordered.append(tensor)
            offset = end
        }
        var header = JSONValue.object(JSONObject(entries)).serialized
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)

        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes += $0 }
        bytes += header
        var position = bytes.count
        bytes += repeatElement(0, count: offset)
        bytes.withUnsafeMutableBytes { out in
            for tensor in ordered {
                for value in tensor.values {
                    out.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: position, as: UInt32.self)
                    position += 4
                }
            }
        }
        return bytes
    }

    // MARK: Reading

    public static func decode(_ bytes: [UInt8]) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard bytes.count >= 8 else {
            throw SafeTensorsError(
                message: "the file is \(bytes.count) bytes; a safetensors file starts with an 8-byte header length")
        }
        let declared = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard declared <= UInt64(bytes.count - 8) else {
            throw SafeTensorsError(
                message:
                    "the header length is \(declared) bytes, past the end of the file (\(bytes.count) bytes in all); the file is truncated or not safetensors"
            )
        }
        let headerLength = Int(declared)
        guard headerLength <= maximumHeaderLength else {
            throw SafeTensorsError(
                message:
                    "the header length is \(headerLength) bytes; more than \(maximumHeaderLength) is refused as absurd")
        }
        let headerBytes = Array(bytes[8..<(8 + headerLength)])
        let headerText = String(decoding: headerBytes, as: UTF8.self)
        guard Array(headerText.utf8) == headerBytes else {
            throw SafeTensorsError(message: "the header is not valid UTF-8")
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(headerBytes)
        } catch let error as JSONParseError {
            throw SafeTensorsError(message: "the header is not valid JSON: \(error.message) at byte \(error.offset)")
        }
        guard case .object(let members) = json else {
            throw SafeTensorsError(message: "the header is \(json.kindDescription), expected a JSON object")
        }

        let dataStart = 8 + headerLength
        let dataLength = bytes.count - dataStart
        if let name = members.firstRepeatedKey {
            throw SafeTensorsError(message: "\"\(name)\" appears twice in the header")
        }
        var metadata: [String: String] = [:]
        var infos: [(name: String, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in members {
            if name == metadataKey {
                metadata = try parseMetadata(value)
            } else {
                let info = try parseEntry(name: name, value, dataLength: dataLength)
                infos.append((name, info.shape, info.begin, info.end))
            }
        }

        // No two tensors may share bytes (empty tensors occupy none).
        let occupied = infos.filter { $0.end > $0.begin }.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }
        for (previous, next) in zip(occupied, occupied.dropFirst()) where next.begin < previous.end {
            throw SafeTensorsError(
                message:
                    "tensors \"\(previous.name)\" and \"\(next.name)\" overlap: data_offsets [\(previous.begin), \(previous.end)] and [\(next.begin), \(next.end)]"
            )
        }

        var tensors: [String: Tensor] = [:]
        bytes.withUnsafeBytes { raw in
            for info in infos {
                let start = dataStart + info.begin
                let count = (info.end - info.begin) / 4
                let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                    for i in 0..<count {
                        let bits = UInt32(
                            littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self))
                        buffer[i] = Float(bitPattern: bits)
                    }
                    initialized = count
                }
                tensors[info.name] = Tensor(shape: info.shape, values: values)
            }
        }
        return (tensors, metadata)
    }

    private static func parseMetadata(_ value: JSONValue) throws -> [String: String] {
        guard case .object(let pairs) = value else {
            throw SafeTensorsError(
                message: "\"\(metadataKey)\" is \(value.kindDescription), expected an object of strings")
        }
        var metadata: [String: String] = [:]
        for (key, entry) in pairs {
            guard case .string(let text) = entry else {
                throw SafeTensorsError(
                    message: "\"\(metadataKey)\" entry \"\(key)\" is \(entry.kindDescription), expected a string")
            }
            guard metadata.updateValue(text, forKey: key) == nil else {
                throw SafeTensorsError(message: "\"\(metadataKey)\" entry \"\(key)\" appears twice")
            }
        }
        return metadata
    }

    private static func parseEntry(
        name: String, _ value: JSONValue, dataLength: Int
    ) throws -> (shape: [Int], begin: Int, end: Int) {
        func failure(_ text: String) -> SafeTensorsError { SafeTensorsError(message: "tensor \"\(name)\": \(text)") }
        guard case .object(let fields) = value else {
            throw failure(
                "the entry is \(value.kindDescription), expected an object with dtype, shape and data_offsets")
        }
        func field(_ key: String) throws -> JSONValue {
            guard let found = fields.first(where: { $0.key == key }) else { throw failure("\"\(key)\" is missing") }
            return found.value
        }
        func integers(_ key: String, _ array: [JSONValue]) throws -> [Int] {
            try array.enumerated().map { index, element in
                guard case .number(let number) = element, let integer = number.integer, integer >= 0 else {
                    throw failure("\(key)[\(index)] is \(element.kindDescription), expected a non-negative integer")
                }
                return integer
            }
        }

        let dtype = try field("dtype")
        guard case .string(let dtypeName) = dtype else {
            throw failure("\"dtype\" is \(dtype.kindDescription), expected a string such as \"F32\"")
        }
        guard dtypeName == "F32" else {
            throw failure("dtype is \(dtypeName); only F32 is supported")
        }

        let shapeValue = try field("shape")
        guard case .array(let shapeArray) = shapeValue else {
            throw failure("\"shape\" is \(shapeValue.kindDescription), expected an array of integers")
        }
        let shape = try integers("shape", shapeArray)

        let offsetsValue = try field("data_offsets")
        guard case .array(let offsetsArray) = offsetsValue, offsetsArray.count == 2 else {
            throw failure("\"data_offsets\" is \(offsetsValue.kindDescription), expected an array [begin, end]")
        }
        let offsets = try integers("data_offsets", offsetsArray)
        let (begin, end) = (offsets[0], offsets[1])
        guard end >= begin else {
            throw failure("data_offsets [\(begin), \(end)] end before they begin")
        }
        guard end <= dataLength else {
            throw failure("data_offsets [\(begin), \(end)] go past the end of the data (\(dataLength) bytes)")
        }
        let byteCount = elementCount(shape).flatMap { count -> Int? in
            let (bytes, overflow) = count.multipliedReportingOverflow(by: 4)
            return overflow ? nil : bytes
        }
        guard let byteCount, byteCount == end - begin else {
            let needed = byteCount.map { "\($0 / 4) × 4 = \($0) bytes" } ?? "more bytes than can exist"
            throw failure(
                "shape \(shape) needs \(needed) of F32, but data_offsets [\(begin), \(end)] hold \(end - begin)")
        }
        return (shape, begin, end)
    }
}

/// The product of the dimensions (1 for a scalar), or nil on overflow.
private func elementCount(_ shape: [Int]) -> Int? {
    var count = 1
    for dimension in shape {
        let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
        if overflow { return nil }
        count = product
    }
    return count
}

/// Sorts by UTF-8 bytes, as the reference implementation does, rather than by Unicode
/// canonical order.
private func byteOrder(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}
