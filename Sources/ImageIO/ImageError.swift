/// Why an image could not be decoded or encoded, with a sentence a person can act on that
/// names the format and what is wrong.
public struct ImageError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// The bytes are not an image of a format that is read here (the service answers 415).
        case notAnImage
        /// There are no bytes (400).
        case empty
        /// The image stops before its end (400).
        case truncated
        /// The image is damaged or invalid: bad CRC, bad compressed data, bad header, or a
        /// variant the decoder does not read (400).
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
