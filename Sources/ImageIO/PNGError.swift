/// Why a PNG could not be decoded or encoded, with a sentence a person can act on.
public struct PNGError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// The bytes are not a PNG at all (the service answers 415).
        case notPNG
        /// There are no bytes (400).
        case empty
        /// The PNG stops before its end (400).
        case truncated
        /// The PNG is damaged or invalid: bad CRC, bad compressed data, bad header (400).
        case corrupt
        /// The image is larger than accepted (413).
        case tooLarge
    }

    public let kind: Kind
    public let message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
