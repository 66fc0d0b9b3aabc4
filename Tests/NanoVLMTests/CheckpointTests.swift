import Foundation
import SafeTensors
import ShapesData
import XCTest

@testable import NanoVLM

final class CheckpointTests: XCTestCase {
    func model(seed: UInt64 = 4) -> DualEncoder {
        DualEncoder(config: tinyConfiguration(seed: seed), vocabularySize: Vocabulary.tokens.count)
    }

    func testRoundTripGivesTheSameEmbeddingsAndMetadata() throws {
        let original = model()
        var training = TrainingConfiguration()
        training.epochs = 3
        var checkpoint = Checkpoint(model: original, training: training)
        let path = try temporaryDirectory() + "/sub/w.safetensors"
        try checkpoint.save(to: path)
        let loaded = try Checkpoint.load(path: path)
        XCTAssertEqual(loaded.model.parameters.array, original.parameters.array)
        XCTAssertEqual(loaded.model.config, original.config)
        XCTAssertEqual(loaded.training, training)
        XCTAssertEqual(loaded.sha256, checkpoint.sha256)
        let images = Array(Renderer.canonicalImages.prefix(5))
        XCTAssertEqual(loaded.model.embed(images: images), original.embed(images: images))
        XCTAssertEqual(loaded.model.embed(tokenSequences: [[1, 10, 13]]), original.embed(tokenSequences: [[1, 10, 13]]))
    }

    func testTheFileHasPyTorchNamesAndShapes() throws {
        let bytes = try Checkpoint(model: model()).encode()
        let file = try SafeTensorsFile.decode(bytes)
        XCTAssertEqual(file.tensors["image_encoder.convs.4.weight"]?.shape, [8, 16, 3, 3])
        XCTAssertEqual(file.tensors["text_encoder.token_embedding.weight"]?.shape, [22, 8])
        XCTAssertNil(file.tensors["logit_scale"], "only with a learnable temperature")
        XCTAssertEqual(file.tensors.count, 17)
        XCTAssertEqual(file.metadata["format"], "pt")
        var learnable = tinyConfiguration()
        learnable.learnableTemperature = true
        let withScale = try SafeTensorsFile.decode(
            try Checkpoint(model: DualEncoder(config: learnable, vocabularySize: 22)).encode())
        XCTAssertEqual(withScale.tensors["logit_scale"]?.shape, [])
        XCTAssertEqual(withScale.tensors["logit_scale"]?.values.first ?? 0, Float(log(1 / 0.07)), accuracy: 1e-6)
    }

    /// Re-encodes a checkpoint after editing its tensors or metadata.
    func edited(
        tensors edit: (inout [String: Tensor]) -> Void = { _ in }, metadata editMetadata: (inout [String: String]) -> Void = { _ in }
    ) throws -> [UInt8] {
        var file = try SafeTensorsFile.decode(try Checkpoint(model: model()).encode())
        edit(&file.tensors)
        editMetadata(&file.metadata)
        return try SafeTensorsFile.encode(tensors: file.tensors, metadata: file.metadata)
    }

    func assertRejected(_ bytes: [UInt8], mentioning words: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Checkpoint.decode(bytes), file: file, line: line) { error in
            let message = (error as? CheckpointError)?.message ?? "\(error)"
            for word in words {
                XCTAssertTrue(message.contains(word), "“\(message)” should mention \(word)", file: file, line: line)
            }
        }
    }

    func testMissingExtraAndMisShapedTensorsAreNamed() throws {
        assertRejected(try edited(tensors: { $0["image_encoder.convs.2.bias"] = nil }), mentioning: ["missing", "image_encoder.convs.2.bias"])
        assertRejected(
            try edited(tensors: { $0["decoder.weight"] = Tensor(shape: [2], values: [1, 2]) }),
            mentioning: ["unexpected", "decoder.weight"])
        assertRejected(
            try edited(tensors: { $0["text_encoder.norm.bias"] = Tensor(shape: [9], values: .init(repeating: 0, count: 9)) }),
            mentioning: ["text_encoder.norm.bias", "[9]", "[8]"])
        assertRejected(
            try edited(tensors: { $0["text_encoder.norm.bias"] = Tensor(shape: [8], values: [.nan] + .init(repeating: 0, count: 7)) }),
            mentioning: ["text_encoder.norm.bias", "non-finite"])
    }

    func testMetadataProblemsAreNamed() throws {
        assertRejected(try edited(metadata: { $0["model_config"] = "{not json" }), mentioning: ["model_config"])
        assertRejected(
            try edited(metadata: { $0["model_config"] = #"{"embedding_dim": "wide"}"# }), mentioning: ["model_config", "embedding_dim"])
        assertRejected(try edited(metadata: { $0["model_config"] = #"{"image_encoder": "resnet"}"# }), mentioning: ["image_encoder", "resnet"])
        assertRejected(try edited(metadata: { $0["vocabulary"] = #"["[CLS]", "red"]"# }), mentioning: ["vocabulary"])
    }

    func testWrongDtypeTruncationAndGarbage() throws {
        let good = try Checkpoint(model: model()).encode()
        // Change one dtype in the header in place (same length keeps offsets valid).
        var wrongType = good
        let needle = Array("\"F32\"".utf8)
        let at = try XCTUnwrap((8..<(good.count - needle.count)).first { Array(good[$0..<($0 + needle.count)]) == needle })
        wrongType[at + 2] = UInt8(ascii: "1")
        wrongType[at + 3] = UInt8(ascii: "6")
        assertRejected(wrongType, mentioning: ["F16"])
        assertRejected(Array(good.prefix(good.count - 10)), mentioning: ["not a valid safetensors file"])
        assertRejected(Array(good.prefix(5)), mentioning: ["not a valid safetensors file"])
        assertRejected([], mentioning: ["not a valid safetensors file"])
        var pastEnd = good
        pastEnd.replaceSubrange(0..<8, with: [0xFF, 0xFF, 0xFF, 0x00, 0, 0, 0, 0])
        assertRejected(pastEnd, mentioning: ["not a valid safetensors file"])
        var badJSON = good
        badJSON[8] = UInt8(ascii: "[")
        assertRejected(badJSON, mentioning: ["not a valid safetensors file"])
        assertRejected(Array("hello, this is not a weights file at all".utf8), mentioning: ["not a valid safetensors file"])
    }

    func testFileErrorsNameThePath() throws {
        let dir = try temporaryDirectory()
        XCTAssertThrowsError(try Checkpoint.load(path: dir + "/absent.safetensors")) {
            XCTAssertTrue("\($0)".contains("does not exist"))
        }
        XCTAssertThrowsError(try Checkpoint.load(path: dir)) { XCTAssertTrue("\($0)".contains("directory")) }
        let bad = dir + "/bad.safetensors"
        try Data("garbage!garbage!".utf8).write(to: URL(fileURLWithPath: bad))
        XCTAssertThrowsError(try Checkpoint.load(path: bad)) { XCTAssertTrue("\($0)".contains(bad)) }
    }

    /// The file loads with Python's safetensors and an independent NumPy forward pass of the
    /// PyTorch-equivalent modules gives the same embeddings (to 1e-4).
    func testPythonSafetensorsAndNumPyForwardAgree() throws {
        let m = model(seed: 11)
        var checkpoint = Checkpoint(model: m)
        let dir = try temporaryDirectory()
        let weights = dir + "/w.safetensors"
        try checkpoint.save(to: weights)
        let images = [0, 17, 109, 242].map { Renderer.canonical($0) }
        let tokens = [[1], [5, 10, 13], Dataset.pairs[200].tokens]
        struct Cases: Encodable {
            let images: [[Float]], image_embeddings: [[Float]], tokens: [[Int]], text_embeddings: [[Float]]
        }
        let d = m.dim
        let imageEmbeddings = m.embed(images: images), textEmbeddings = m.embed(tokenSequences: tokens)
        let cases = Cases(
            images: images.map(\.pixels),
            image_embeddings: (0..<images.count).map { Array(imageEmbeddings[($0 * d)..<(($0 + 1) * d)]) },
            tokens: tokens, text_embeddings: (0..<tokens.count).map { Array(textEmbeddings[($0 * d)..<(($0 + 1) * d)]) })
        let casesPath = dir + "/cases.json"
        try JSONEncoder().encode(cases).write(to: URL(fileURLWithPath: casesPath))
        let output = try runPython([testDirectory + "/reference_forward.py", weights, casesPath])
        let result = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let difference = try XCTUnwrap(result["max_abs_difference"] as? Double)
        print("NumPy reference forward vs nanovlm: max abs difference \(difference) (tolerance 1e-4)")
        XCTAssertLessThan(difference, 1e-4)
        XCTAssertEqual((result["tensors"] as? [String])?.count, 17)
    }
}
