/// The datasets nanovlm knows by name. A new dataset registers here with one line.
public enum DatasetRegistry {
    static let all: [(name: String, make: @Sendable () -> any Dataset)] = [
        ("shapes", { ShapesDataset() })
    ]

    /// The dataset used when neither the configuration nor the weights name one: the first.
    public static var defaultName: String { all[0].name }

    public static var names: [String] { all.map(\.name) }

    /// The dataset called `name`, or an error that lists the known ones.
    public static func dataset(named name: String) throws -> any Dataset {
        guard let entry = all.first(where: { $0.name == name }) else {
            throw DatasetError("unknown dataset \"\(name)\"; known datasets: \(names.joined(separator: ", "))")
        }
        return entry.make()
    }

    public static var defaultDataset: any Dataset { all[0].make() }
}

/// A dataset that cannot be used; the message names the problem.
public struct DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
