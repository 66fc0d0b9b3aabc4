/// A configuration value that is missing, mistyped or out of range.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible, Sendable {
    public let key: String
    public let message: String
    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }
    public var description: String { "configuration \(key): \(message)" }
}
