import Datasets
import Foundation
import JSON

/// Which dataset start-up is going to serve, known before the model is: the one the weights
/// file records when it exists (start-up loads it), else the configured `data.source`
/// (start-up trains on it). The gallery lists a generated set during start-up; a file
/// dataset is known only once it has been opened.
enum StartupDataset {
    /// The source start-up will serve, e.g. `shapes` or `folder:photos`.
    static func source(_ configuration: AppConfiguration) -> String { data(configuration).source }

    /// The data settings start-up will serve: those the weights record, else the configured ones.
    static func data(_ configuration: AppConfiguration) -> DataConfiguration {
        guard FileManager.default.fileExists(atPath: configuration.weights) else { return configuration.data }
        return recordedData(weights: configuration.weights) ?? configuration.data
    }

    /// The generated set start-up will serve (with its recorded settings: a scenes gallery of
    /// another size), or nil for a file dataset.
    static func generated(_ configuration: AppConfiguration) -> (any Dataset)? {
        let data = data(configuration)
        guard case .generated? = try? DatasetSource(data.source) else { return nil }
        return try? DatasetRegistry.open(data, seed: configuration.training.seed)
    }

    /// Headers larger than this are not read here: start-up reports the file's problem.
    static let maxHeaderBytes = 16 << 20

    /// The data settings a weights file records in its safetensors header (`data_config`,
    /// else the dataset name with default settings), read without loading its tensors; nil
    /// when the header cannot be read.
    static func recordedData(weights path: String) -> DataConfiguration? {
        guard let file = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? file.close() }
        guard let length = try? file.read(upToCount: 8), length.count == 8 else { return nil }
        let size = length.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard size > 0, size <= UInt64(maxHeaderBytes), let header = try? file.read(upToCount: Int(size)),
            header.count == Int(size), let value = try? JSONValue.parse([UInt8](header)),
            case .object(let metadata)? = value["__metadata__"]
        else { return nil }
        if case .string(let data)? = metadata["data_config"],
            let configuration = try? JSONDecoder().decode(DataConfiguration.self, from: Data(data.utf8))
        {
            return configuration
        }
        var data = DataConfiguration()
        if case .string(let name)? = metadata["dataset"] { data.source = name }
        return data
    }
}
