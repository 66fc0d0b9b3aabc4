/// The datasets nanovlm knows. A set generated in code registers here with one line; sets
/// read from files are opened by their `data.source` (`folder:`, `coco:`, `tsv:`).
public enum DatasetRegistry {
    static let all: [(name: String, make: @Sendable (DataConfiguration) -> any Dataset)] = [
        ("shapes", { _ in ShapesDataset() }),
        ("scenes", { ScenesDataset($0) }),
    ]

    /// The dataset used when neither the configuration nor the weights name one: the first.
    public static var defaultName: String { all[0].name }

    /// The names of the generated sets.
    public static var names: [String] { all.map(\.name) }

    /// The generated set called `name`, or an error that lists the known ones.
    public static func dataset(named name: String, configuration: DataConfiguration = DataConfiguration()) throws
        -> any Dataset
    {
        guard let entry = all.first(where: { $0.name == name }) else {
            throw DatasetError("unknown dataset \"\(name)\"; known datasets: \(names.joined(separator: ", "))")
        }
        return entry.make(configuration)
    }

    public static var defaultDataset: any Dataset { all[0].make(DataConfiguration()) }

    /// The dataset `configuration.source` names, opened with its settings; `seed` is the
    /// training seed (a file dataset's vocabulary comes from its training split).
    public static func open(
        _ configuration: DataConfiguration, seed: UInt64, threads: Int = 2,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> any Dataset {
        switch try DatasetSource(configuration.source) {
        case .generated(let name): return try dataset(named: name, configuration: configuration)
        case .folder, .coco, .tsv:
            return try FileDataset(configuration, seed: seed, threads: threads, progress: progress)
        }
    }
}

/// A dataset that cannot be used; the message names the problem.
public struct DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
