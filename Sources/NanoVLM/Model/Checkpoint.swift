import Datasets
import Digest
import Foundation
import JSON
import SafeTensors

/// A weights file that can't be used; the message names the problem.
public struct CheckpointError: Error, Equatable, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Saves and loads a model as `.safetensors` (docs/MODEL.md): PyTorch tensor names and layouts,
/// with the configuration, vocabulary, training summary and metrics as JSON strings in
/// `__metadata__`.
public struct Checkpoint: Sendable {
    public var model: DualEncoder
    /// The dataset the model was trained on (recorded by name in the metadata).
    public var dataset: any Dataset
    public var training: TrainingConfiguration?
    public var summary: TrainingSummary?
    public var metrics: EvaluationReport?
    /// SHA-256 of the file's bytes (set when read from or written to a file).
    public var sha256: String?

    public init(
        model: DualEncoder, dataset: any Dataset = ShapesDataset(), training: TrainingConfiguration? = nil,
        summary: TrainingSummary? = nil,
        metrics: EvaluationReport? = nil, sha256: String? = nil
    ) {
        self.model = model
        self.dataset = dataset
        self.training = training
        self.summary = summary
        self.metrics = metrics
        self.sha256 = sha256
    }

    enum Key {
        static let format = "format", model = "model_config", training = "training_config"
        static let dataset = "dataset", vocabulary = "vocabulary", summary = "training", metrics = "metrics"
        static let data = "data_config", datasetDigest = "dataset_sha256"
    }

    /// The file's bytes.
    public func encode() throws -> [UInt8] {
        // Slashes escaped (`\/`), as checkpoints have always been written, so the same model
        // writes the same bytes and digest.
        let encoder = JSONCoding.encoder(escapingSlashes: true)
        func json<T: Encodable>(_ value: T) throws -> String {
            String(decoding: try encoder.encode(value), as: UTF8.self)
        }
        var metadata = [
            Key.format: "pt", Key.model: try json(model.config), Key.dataset: dataset.name,
            Key.vocabulary: try json(dataset.vocabulary.tokens),
        ]
        // The data settings reopen the dataset: a file dataset's always, a generated one's
        // when they are not its defaults (a scenes gallery of another size or seed).
        var defaults = DataConfiguration()
        defaults.source = dataset.name
        if dataset.digest != nil || dataset.configuration != defaults {
            metadata[Key.data] = try json(dataset.configuration)
        }
        if let digest = dataset.digest { metadata[Key.datasetDigest] = digest }
        if let training { metadata[Key.training] = try json(training) }
        if let summary { metadata[Key.summary] = try json(summary) }
        if let metrics { metadata[Key.metrics] = try json(metrics) }
        var tensors: [String: Tensor] = [:]
        for entry in model.layout.entries {
            tensors[entry.name] = Tensor(shape: entry.shape, values: model.parameters.slice(entry.offset, entry.count))
        }
        return try SafeTensorsFile.encode(tensors: tensors, metadata: metadata)
    }

    /// Writes atomically and records the digest of what was written.
    public mutating func save(to path: String) throws {
        let bytes = try encode()
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        do {
            try Data(bytes).write(to: url, options: .atomic)
        } catch {
            throw CheckpointError("cannot write weights to \(path): \(error.localizedDescription)")
        }
        sha256 = SHA256.hex(bytes)
    }

    /// Reads a weights file and reopens the dataset it records. `progress` hears (decoded,
    /// total) while a file dataset's images are decoded.
    public static func load(path: String, progress: (Int, Int) -> Void = { _, _ in }) throws -> Checkpoint {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CheckpointError("weights file \(path) does not exist")
        }
        guard !isDirectory.boolValue else { throw CheckpointError("weights path \(path) is a directory, not a file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError("weights file \(path) cannot be read")
        }
        do {
            return try decode([UInt8](data), progress: progress)
        } catch let error as CheckpointError {
            throw CheckpointError("weights file \(path): \(error.message)")
        }
    }

    /// Parses and validates every tensor name, shape and dtype and the metadata.
    public static func decode(_ bytes: [UInt8], progress: (Int, Int) -> Void = { _, _ in }) throws -> Checkpoint {
        let file: (tensors: [String: Tensor], metadata: [String: String])
        do {
            file = try SafeTensorsFile.decode(bytes)
        } catch let error as SafeTensorsError {
            throw CheckpointError("not a valid safetensors file: \(error.message)")
        }
        let decoder = JSONDecoder()
        func metadata<T: Decodable>(_ key: String, _ type: T.Type) throws -> T? {
            guard let text = file.metadata[key] else { return nil }
            do {
                return try decoder.decode(T.self, from: Data(text.utf8))
            } catch {
                throw CheckpointError("__metadata__.\(key) is not valid: \(describe(error))")
            }
        }
        let config = try metadata(Key.model, ModelConfiguration.self) ?? ModelConfiguration()
        do {
            try config.validate()
        } catch let error as ConfigurationError {
            throw CheckpointError("__metadata__.\(Key.model): \(error.description)")
        }
        let training = try metadata(Key.training, TrainingConfiguration.self)
        var data = try metadata(Key.data, DataConfiguration.self) ?? DataConfiguration()
        if file.metadata[Key.data] == nil { data.source = file.metadata[Key.dataset] ?? DatasetRegistry.defaultName }
        do {
            try data.validate()
        } catch let error as ConfigurationError {
            throw CheckpointError("__metadata__.\(Key.data): \(error.description)")
        }
        let dataset: any Dataset
        do {
            dataset = try DatasetRegistry.open(data, seed: training?.seed ?? 0, progress: progress)
        } catch let error as DatasetError {
            throw CheckpointError("the dataset the weights were trained on cannot be opened: \(error.message)")
        }
        if let recorded = file.metadata[Key.datasetDigest], recorded != dataset.digest {
            throw CheckpointError(
                "the dataset \(dataset.name) has changed since the weights were trained: its images and captions "
                    + "hash to \(dataset.digest?.prefix(16) ?? "nothing"), the weights recorded \(recorded.prefix(16)) "
                    + "(files added, removed, resized or recaptioned); train again or restore the files")
        }
        let expected = dataset.vocabulary.tokens
        if let vocabulary = try metadata(Key.vocabulary, [String].self), vocabulary != expected {
            throw CheckpointError(
                "the weights were trained with another vocabulary (\(vocabulary.count) tokens: "
                    + "\(vocabulary.prefix(6).joined(separator: ", "))…); the \(dataset.name) dataset has \(expected.count)"
            )
        }
        let sequenceLength = dataset.maxWords + 1
        let layout = ParameterLayout.dualEncoder(config, vocabularySize: expected.count, sequenceLength: sequenceLength)
        var problems: [String] = []
        var values = [Float](repeating: 0, count: layout.count)
        for entry in layout.entries {
            guard let tensor = file.tensors[entry.name] else {
                problems.append("missing tensor \(entry.name) (expected shape \(entry.shape))")
                continue
            }
            guard tensor.shape == entry.shape else {
                problems.append("tensor \(entry.name) has shape \(tensor.shape), expected \(entry.shape)")
                continue
            }
            values.replaceSubrange(entry.offset..<(entry.offset + entry.count), with: tensor.values)
        }
        let extra = Set(file.tensors.keys).subtracting(layout.entries.map(\.name)).sorted()
        for name in extra { problems.append("unexpected tensor \(name)") }
        guard problems.isEmpty else { throw CheckpointError(problems.joined(separator: "; ")) }
        if let bad = values.firstIndex(where: { !$0.isFinite }),
            let entry = layout.entries.first(where: { bad >= $0.offset && bad < $0.offset + $0.count })
        {
            throw CheckpointError("tensor \(entry.name) contains a non-finite value (NaN or infinity)")
        }
        let model = DualEncoder(
            config: config, vocabularySize: expected.count, sequenceLength: sequenceLength, parameters: values)
        return Checkpoint(
            model: model, dataset: dataset, training: training,
            summary: try metadata(Key.summary, TrainingSummary.self),
            metrics: try metadata(Key.metrics, EvaluationReport.self), sha256: SHA256.hex(bytes))
    }
}

/// A decoding error as one readable sentence.
func describe(_ error: Error) -> String {
    switch error {
    case DecodingError.typeMismatch(let type, let context), DecodingError.valueNotFound(let type, let context):
        let path = context.codingPath.map(\.stringValue).joined(separator: ".")
        return "\(path.isEmpty ? "value" : path) should be \(type)"
    case DecodingError.keyNotFound(let key, _):
        return "missing key \(key.stringValue)"
    case DecodingError.dataCorrupted(let context):
        return context.debugDescription
    default:
        return "\(error)"
    }
}
