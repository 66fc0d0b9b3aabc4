/// A text encoder's tokens: `[CLS]` at index 0, then the words; a token's index is its id.
public struct Vocabulary: Sendable, Equatable {
    public static let classToken = 0
    public static let classTokenText = "[CLS]"

    /// All tokens, `[CLS]` first.
    public let tokens: [String]
    private let indexByToken: [String: Int]

    /// A vocabulary of `[CLS]` followed by `words`.
    public init(words: [String]) {
        tokens = [Self.classTokenText] + words
        indexByToken = Dictionary(tokens.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
    }

    /// Every token but `[CLS]`, in order.
    public var words: ArraySlice<String> { tokens.dropFirst() }
    public var count: Int { tokens.count }

    /// The index of a token spelled exactly as in `tokens`, or nil.
    public func index(of token: String) -> Int? { indexByToken[token] }

    /// Tokens as text, separated by spaces.
    public func text(_ sequence: [Int]) -> String {
        sequence.map { $0 >= 0 && $0 < tokens.count ? tokens[$0] : "?" }.joined(separator: " ")
    }

    public static func == (a: Vocabulary, b: Vocabulary) -> Bool { a.tokens == b.tokens }
}
