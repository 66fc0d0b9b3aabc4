/// The text encoder's vocabulary (docs/MODEL.md): `[CLS]`, then the colours, shapes and
/// positions in the documented orders — 22 tokens.
public enum ShapesVocabulary {
    public static let classToken = Vocabulary.classToken
    static let colourOffset = 1
    static let shapeOffset = colourOffset + Colour.allCases.count
    static let positionOffset = shapeOffset + Shape.allCases.count

    /// The 21 caption words (every token but `[CLS]`), in vocabulary order.
    public static let words: [String] =
        Colour.allCases.map(\.name) + Shape.allCases.map(\.name) + Position.allCases.map(\.name)

    public static let vocabulary = Vocabulary(words: words)

    /// All 22 tokens; a token's index is its id.
    public static var tokens: [String] { vocabulary.tokens }

    /// The index of a token spelled exactly as in `tokens` (e.g. "pink", "top-left",
    /// "[CLS]"), or nil. Use `ShapesQueryParser` for free text.
    public static func index(of word: String) -> Int? {
        vocabulary.index(of: word)
    }
}
