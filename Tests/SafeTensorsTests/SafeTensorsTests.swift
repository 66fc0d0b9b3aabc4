import Foundation
import NanoTensor
import TestSupport
import XCTest

@testable import SafeTensors

final class SafeTensorsTests: XCTestCase {
    let sample: [String: Tensor] = [
        "image_encoder.convs.0.weight": Tensor(shape: [2, 3, 3, 3], values: (0..<54).map { Float($0) * 0.25 - 3 }),
        "image_encoder.convs.0.bias": Tensor(shape: [2], values: [0.5, -0.125]),
        "logit_scale": Tensor(shape: [], values: [2.659_26]),
        "empty": Tensor(shape: [0, 4], values: []),
        "unicode name ✓": Tensor(shape: [1, 1], values: [.infinity]),
    ]
    let sampleMetadata = ["config": "{\"dim\": 32, \"text\": \"a\\nb\"}", "vocabulary": "[CLS] red \"quoted\" ✓", "tab\there": ""]

    // MARK: Round trip and layout

    func testRoundTrip() throws {
        let bytes = try SafeTensorsFile.encode(tensors: sample, metadata: sampleMetadata)
        let decoded = try SafeTensorsFile.decode(bytes)
        XCTAssertEqual(decoded.tensors, sample)
        XCTAssertEqual(decoded.metadata, sampleMetadata)
        let withoutMetadata = try SafeTensorsFile.decode(try SafeTensorsFile.encode(tensors: sample, metadata: [:]))
        XCTAssertEqual(withoutMetadata.metadata, [:])
        XCTAssertEqual(withoutMetadata.tensors, sample)
    }

    func testRoundTripKeepsEveryBitPattern() throws {
        let specials: [Float] = [0, -0.0, .nan, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude, Float(bitPattern: 0x0001_0000)]
        let bytes = try SafeTensorsFile.encode(tensors: ["x": Tensor(shape: [7], values: specials)], metadata: [:])
        let values = try XCTUnwrap(try SafeTensorsFile.decode(bytes).tensors["x"]).values
        XCTAssertEqual(values.map(\.bitPattern), specials.map(\.bitPattern))
    }

    func testLayoutIsDeterministicSortedPaddedAndContiguous() throws {
        let tensors = ["b": Tensor(shape: [2], values: [1, 2]), "a": Tensor(shape: [], values: [3])]
        let bytes = try SafeTensorsFile.encode(tensors: tensors, metadata: ["k": "v"])
        XCTAssertEqual(bytes, try SafeTensorsFile.encode(tensors: tensors, metadata: ["k": "v"]))
        let headerLength = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        XCTAssertEqual(headerLength % 8, 0)
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        let expected =
            #"{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        XCTAssertEqual(header.trimmingCharacters(in: .whitespaces), expected)
        XCTAssertTrue(header.hasPrefix(expected))
        XCTAssertEqual(bytes.count, 8 + headerLength + 12)
        // Little-endian data: a = 3.0 = 0x40400000.
        XCTAssertEqual(Array(bytes[(8 + headerLength)..<(12 + headerLength)]), [0x00, 0x00, 0x40, 0x40])
    }

    func testEncodeRejectsInconsistentTensors() {
        assertEncodeError(["w": Tensor(shape: [2, 3], values: [1, 2, 3])], mentions: ["\"w\"", "[2, 3]", "6", "3"])
        assertEncodeError(["w": Tensor(shape: [-1], values: [])], mentions: ["\"w\"", "shape[0]", "negative"])
        assertEncodeError(["__metadata__": Tensor(shape: [], values: [1])], mentions: ["__metadata__"])
    }

    // MARK: Decoding errors

    func testShortFile() {
        assertDecodeError([1, 2, 3], mentions: ["3 bytes", "8-byte"])
        assertDecodeError([], mentions: ["0 bytes"])
    }

    func testHeaderLengthPastTheEnd() {
        var bytes = littleEndian(UInt64(100)) + Array("{}".utf8)
        assertDecodeError(bytes, mentions: ["100", "past the end", "10 bytes"])
        bytes = littleEndian(UInt64.max) + Array("{}".utf8)
        assertDecodeError(bytes, mentions: ["\(UInt64.max)", "past the end"])
    }

    func testHeaderNotUTF8OrNotJSONOrNotAnObject() {
        assertDecodeError(file(headerBytes: [0x7B, 0xFF, 0xFE, 0x7D]), mentions: ["UTF-8"])
        // What the parser refuses, and its messages, are JSONTests' concern; here, that the
        // message and its position reach the reader.
        assertDecodeError(
            file(header: #"{"a": {"dtype": "F32",}"#),
            mentions: ["the header is not valid JSON: expected a quoted key at byte 22"])
        assertDecodeError(file(header: "[1, 2]"), mentions: ["an array", "expected a JSON object"])
        assertDecodeError(file(header: #"{"a": {}, "a": {}}"#), mentions: ["\"a\"", "twice"])
    }

    func testEntryNotAnObject() {
        assertDecodeError(file(header: #"{"w": [1, 2]}"#), mentions: ["tensor \"w\"", "an array", "expected an object"])
    }

    func testMissingOrWrongTypedFields() {
        assertDecodeError(file(header: #"{"w": {"shape": [1], "data_offsets": [0, 4]}}"#, data: 4), mentions: ["\"w\"", "\"dtype\" is missing"])
        assertDecodeError(file(header: #"{"w": {"dtype": "F32", "data_offsets": [0, 4]}}"#, data: 4), mentions: ["\"w\"", "\"shape\" is missing"])
        assertDecodeError(file(header: #"{"w": {"dtype": "F32", "shape": [1]}}"#, data: 4), mentions: ["\"w\"", "\"data_offsets\" is missing"])
        assertDecodeError(
            file(header: #"{"w": {"dtype": 32, "shape": [1], "data_offsets": [0, 4]}}"#, data: 4),
            mentions: ["\"w\"", "\"dtype\"", "the number 32", "expected a string"])
        assertDecodeError(
            file(header: #"{"w": {"dtype": "F32", "shape": "1", "data_offsets": [0, 4]}}"#, data: 4),
            mentions: ["\"w\"", "\"shape\"", "a string", "expected an array"])
        assertDecodeError(
            file(header: #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": {"begin": 0}}}"#, data: 4),
            mentions: ["\"w\"", "\"data_offsets\"", "an object", "[begin, end]"])
        assertDecodeError(
            file(header: #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4, 8]}}"#, data: 8),
            mentions: ["\"w\"", "\"data_offsets\"", "[begin, end]"])
    }

    func testOtherDtypesAreNamed() {
        for dtype in ["F16", "BF16", "F64", "I64", "U8", "BOOL"] {
            assertDecodeError(
                file(header: #"{"w": {"dtype": "\#(dtype)", "shape": [1], "data_offsets": [0, 4]}}"#, data: 4),
                mentions: ["\"w\"", "dtype is \(dtype)", "only F32"])
        }
    }

    func testBadShapeDimensions() {
        assertDecodeError(
            file(header: #"{"w": {"dtype": "F32", "shape": [2, -1], "data_offsets": [0, 4]}}"#, data: 4),
            mentions: ["\"w\"", "shape[1]", "-1", "non-negative integer"])
        assertDecodeError(
            file(header: #"{"w": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}"#, data: 4),
            mentions: ["\"w\"", "shape[0]", "1.5"])
        assertDecodeError(
            file(header: #"{"w": {"dtype": "F32", "shape": ["2"], "data_offsets": [0, 8]}}"#, data: 8),
            mentions: ["\"w\"", "shape[0]", "a string"])
        assertDecodeError(
            file(header: #"{"w": {"dtype": "F32", "shape": [99999999999999999999], "data_offsets": [0, 4]}}"#, data: 4),
            mentions: ["\"w\"", "shape[0]"])
        assertDecodeError(
            file(header: #"{"w": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 4]}}"#, data: 4),
            mentions: ["\"w\"", "more bytes than can exist"])
    }

    func testBadOffsets() {
        assertDecodeError(
            file(header: #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 8]}}"#, data: 4),
            mentions: ["\"w\"", "[0, 8]", "past the end", "4 bytes"])
        assertDecodeError(
            file(header: #"{"w": {"dtype": "F32", "shape": [0], "data_offsets": [4, 0]}}"#, data: 4),
            mentions: ["\"w\"", "[4, 0]", "end before"])
        assertDecodeError(
            file(header: #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}}"#, data: 4),
            mentions: ["\"w\"", "data_offsets[0]", "-4"])
        assertDecodeError(
            file(header: #"{"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]}}"#, data: 24),
            mentions: ["\"w\"", "[2, 3]", "24 bytes", "hold 20"])
    }

    func testOverlappingTensors() {
        let header = #"""
            {"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 12]},
             "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}
            """#
        assertDecodeError(file(header: header, data: 16), mentions: ["\"a\"", "\"b\"", "overlap"])
        // Touching is fine, and empty tensors occupy nothing.
        let touching = #"""
            {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
             "e": {"dtype": "F32", "shape": [0], "data_offsets": [4, 4]},
             "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}
            """#
        XCTAssertNoThrow(try SafeTensorsFile.decode(file(header: touching, data: 16)))
    }

    func testMetadataMustMapStringsToStrings() {
        assertDecodeError(file(header: #"{"__metadata__": ["a"]}"#), mentions: ["__metadata__", "an array", "expected an object"])
        assertDecodeError(
            file(header: #"{"__metadata__": {"epochs": 3}}"#), mentions: ["__metadata__", "\"epochs\"", "the number 3", "expected a string"])
        assertDecodeError(file(header: #"{"__metadata__": {"k": null}}"#), mentions: ["\"k\"", "null"])
        XCTAssertEqual(try SafeTensorsFile.decode(file(header: #"{"__metadata__": {"k": "\u00e9\n"}}"#)).metadata, ["k": "é\n"])
    }

    func testScalarAndPaddedHeaderFromAnotherWriter() throws {
        // Whitespace anywhere in the header, including trailing padding, is fine.
        var data: [UInt8] = []
        withUnsafeBytes(of: Float(1.5).bitPattern.littleEndian) { data += $0 }
        let header = "{ \"s\" : { \"shape\" : [ ] , \"data_offsets\" : [0,4], \"dtype\": \"F32\" } }   \n  "
        let decoded = try SafeTensorsFile.decode(littleEndian(UInt64(header.utf8.count)) + Array(header.utf8) + data)
        XCTAssertEqual(decoded.tensors["s"], Tensor(shape: [], values: [1.5]))
    }

    func testRandomDamageNeverCrashes() throws {
        let bytes = try SafeTensorsFile.encode(tensors: sample, metadata: sampleMetadata)
        var rng = SeededRandom(seed: 12345)
        for round in 0..<2000 {
            var damaged = bytes
            if round % 3 == 0 {
                damaged.removeLast(rng.below(damaged.count))
            } else {
                for _ in 0..<(rng.below(3) + 1) { damaged[rng.below(damaged.count)] = UInt8(truncatingIfNeeded: rng.next()) }
            }
            _ = try? SafeTensorsFile.decode(damaged)
        }
    }

    // MARK: Files

    func testWriteAndReadFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/model.safetensors"
        try SafeTensorsFile.write(tensors: sample, metadata: sampleMetadata, to: path)
        let read = try SafeTensorsFile.read(path: path)
        XCTAssertEqual(read.tensors, sample)
        XCTAssertEqual(read.metadata, sampleMetadata)
        // Overwriting replaces the file and leaves no temporary file behind.
        try SafeTensorsFile.write(tensors: ["x": Tensor(shape: [], values: [1])], metadata: [:], to: path)
        XCTAssertEqual(try SafeTensorsFile.read(path: path).tensors, ["x": Tensor(shape: [], values: [1])])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["model.safetensors"])
    }

    func testFailedWriteLeavesTheOldFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/model.safetensors"
        try SafeTensorsFile.write(tensors: sample, metadata: [:], to: path)
        XCTAssertThrowsError(
            try SafeTensorsFile.write(tensors: ["bad": Tensor(shape: [2], values: [1])], metadata: [:], to: path))
        XCTAssertEqual(try SafeTensorsFile.read(path: path).tensors, sample)
        XCTAssertThrowsError(try SafeTensorsFile.write(tensors: sample, metadata: [:], to: directory + "/missing/x.safetensors")) {
            XCTAssertTrue(String(describing: $0).contains("missing"), "\($0)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["model.safetensors"])
    }

    func testReadErrorsNameThePath() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        assertError(try SafeTensorsFile.read(path: directory + "/nothing.safetensors"), mentions: ["no file", "nothing.safetensors"])
        assertError(try SafeTensorsFile.read(path: directory), mentions: ["is a directory", directory])
        let truncated = directory + "/truncated.safetensors"
        let bytes = try SafeTensorsFile.encode(tensors: sample, metadata: [:])
        try Data(bytes.prefix(bytes.count - 3)).write(to: URL(fileURLWithPath: truncated))
        assertError(try SafeTensorsFile.read(path: truncated), mentions: [truncated, "past the end"])
        if getuid() != 0 {  // root reads anything
            let locked = directory + "/locked.safetensors"
            try Data(bytes).write(to: URL(fileURLWithPath: locked))
            chmod(locked, 0)
            assertError(try SafeTensorsFile.read(path: locked), mentions: ["permission denied", locked])
        }
    }

    // MARK: Interoperability with the reference Python implementation

    func testPythonReadsWhatSwiftWrites() throws {
        try requirePythonSafetensors()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/from-swift.safetensors"
        let tensors = sample.filter { $0.key != "unicode name ✓" }  // its infinity cannot travel through JSON
        try SafeTensorsFile.write(tensors: tensors, metadata: sampleMetadata, to: path)
        let output = try runPython([interopScript, "dump", path], requireSuccess: true).output
        let dump = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], output)
        XCTAssertEqual(dump["metadata"] as? [String: String], sampleMetadata)
        let pythonTensors = try XCTUnwrap(dump["tensors"] as? [String: [String: Any]])
        XCTAssertEqual(Set(pythonTensors.keys), Set(tensors.keys))
        for (name, tensor) in tensors {
            let entry = try XCTUnwrap(pythonTensors[name], name)
            XCTAssertEqual(entry["dtype"] as? String, "float32", name)
            XCTAssertEqual(entry["shape"] as? [Int], tensor.shape, name)
            XCTAssertEqual((entry["values"] as? [Double])?.map { Float($0) }, tensor.values, name)
        }
    }

    func testSwiftReadsWhatPythonWrites() throws {
        try requirePythonSafetensors()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/from-python.safetensors"
        try runPython([interopScript, "write", path], requireSuccess: true)
        let read = try SafeTensorsFile.read(path: path)
        XCTAssertEqual(read.metadata, ["config": "{\"dim\": 32}", "note": "written by numpy ✓"])
        XCTAssertEqual(Set(read.tensors.keys), ["conv.weight", "conv.bias", "logit_scale", "tiny"])
        XCTAssertEqual(read.tensors["conv.weight"], Tensor(shape: [2, 3, 3, 3], values: (0..<54).map { Float($0) / 7 }))
        XCTAssertEqual(read.tensors["conv.bias"], Tensor(shape: [2], values: [-1.5, 2.25]))
        XCTAssertEqual(read.tensors["logit_scale"], Tensor(shape: [], values: [2.659_260_034_561_157_2]))
        XCTAssertEqual(read.tensors["tiny"]?.shape, [3, 1])
        XCTAssertEqual(read.tensors["tiny"]?.values.map(\.bitPattern), [Float(1e-30), -0.0, Float(3.4e38)].map(\.bitPattern))
    }

    // MARK: Helpers

    private var interopScript: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("safetensors_interop.py").path
    }

    private func file(header: String, data: Int = 0) -> [UInt8] {
        file(headerBytes: Array(header.utf8), data: data)
    }

    private func file(headerBytes: [UInt8], data: Int = 0) -> [UInt8] {
        littleEndian(UInt64(headerBytes.count)) + headerBytes + [UInt8](repeating: 0, count: data)
    }

    private func littleEndian(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    private func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "/nanovlm-safetensors-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func assertDecodeError(_ bytes: [UInt8], mentions: [String], line: UInt = #line) {
        assertError(try SafeTensorsFile.decode(bytes), mentions: mentions, line: line)
    }

    private func assertEncodeError(_ tensors: [String: Tensor], mentions: [String], line: UInt = #line) {
        assertError(try SafeTensorsFile.encode(tensors: tensors, metadata: [:]), mentions: mentions, line: line)
    }

    private func assertError<T>(_ expression: @autoclosure () throws -> T, mentions: [String], line: UInt = #line) {
        XCTAssertThrowsError(try expression(), line: line) { error in
            guard let error = error as? SafeTensorsError else {
                return XCTFail("expected a SafeTensorsError, got \(error)", line: line)
            }
            for text in mentions {
                XCTAssertTrue(error.message.contains(text), "\"\(error.message)\" does not mention \(text)", line: line)
            }
        }
    }

    /// The interoperability tests need python3 with numpy and safetensors.
    private func requirePythonSafetensors() throws {
        try requirePython(modules: ["safetensors", "numpy"], install: "pip install numpy safetensors")
    }
}
