/// A query reduced to vocabulary words.
public struct ParsedQuery: Sendable, Equatable {
    /// Canonical vocabulary words in query order, e.g. ["pink", "circle", "top-left"].
    public let words: [String]
    /// Their vocabulary indices (no `[CLS]`).
    public let tokens: [Int]
    /// Words the query had that the vocabulary does not (open vocabularies ignore them).
    public let unknownWords: [String]

    public init(words: [String], tokens: [Int], unknownWords: [String] = []) {
        self.words = words
        self.tokens = tokens
        self.unknownWords = unknownWords
    }

    /// The words joined by single spaces, e.g. "pink circle top-left".
    public var text: String { words.joined(separator: " ") }
}

/// Why a query was refused: a kind for the API's error code, and a sentence to show the
/// person who typed it.
public struct QueryError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// Nothing left once spaces and stop words are removed.
        case empty
        /// Longer than the parser's byte limit.
        case tooLong(bytes: Int)
        /// A word outside the vocabulary, as typed (lowercased).
        case unknownWord(String)
        /// No word of the query is in the (open) vocabulary: the words, as typed (lowercased).
        case noKnownWords([String])
        /// More words than the parser takes.
        case tooManyWords(Int)
    }

    public let kind: Kind
    public let description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
