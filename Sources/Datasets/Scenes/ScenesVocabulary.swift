/// The scenes vocabulary: `[CLS]`, the colours and shapes in the shapes set's orders, then
/// the four relation words — 17 tokens. A caption's tokens are its five words without
/// `of`: "red circle left of blue square" → red circle left blue square.
public enum ScenesVocabulary {
    static let colourOffset = 1
    static let shapeOffset = colourOffset + Colour.allCases.count
    static let relationOffset = shapeOffset + Shape.allCases.count

    public static let words: [String] =
        Colour.allCases.map(\.name) + Shape.allCases.map(\.name) + Relation.allCases.map(\.word)

    public static let vocabulary = Vocabulary(words: words)

    static func tokens(of type: ObjectType) -> [Int] {
        [colourOffset + type.colour.rawValue, shapeOffset + type.shape.rawValue]
    }

    public static func tokens(of caption: SceneCaption) -> [Int] {
        tokens(of: caption.subject) + [relationOffset + caption.relation.rawValue] + tokens(of: caption.object)
    }

    /// The caption these five tokens spell, or nil for any other sequence (a partial query).
    public static func caption(of tokens: [Int]) -> SceneCaption? {
        guard tokens.count == 5 else { return nil }
        func type(_ c: Int, _ s: Int) -> ObjectType? {
            guard let colour = Colour(rawValue: c - colourOffset), let shape = Shape(rawValue: s - shapeOffset),
                c >= colourOffset, s >= shapeOffset
            else { return nil }
            return ObjectType(colour: colour, shape: shape)
        }
        guard let subject = type(tokens[0], tokens[1]), let object = type(tokens[3], tokens[4]),
            tokens[2] >= relationOffset, let relation = Relation(rawValue: tokens[2] - relationOffset)
        else { return nil }
        return SceneCaption(subject, relation, object)
    }
}

/// Free text to scenes words: the shapes parser's rules (length limit, lowercase, split
/// on whitespace, commas and underscores, `grey` → `gray`) with `is` and `to` joining the
/// filler words, so "the red circle is to the left of a blue square" reads as
/// red circle left blue square. Unknown words are refused with the known ones listed.
public enum ScenesQueryParser {
    public static let maxWords = 8
    static let fillerWords: Set<String> = ["a", "an", "the", "at", "in", "on", "of", "is", "to"]
    static let synonyms = ["grey": "gray"]

    public static func parse(_ text: String) throws -> ParsedQuery {
        let bytes = text.utf8.count
        guard bytes <= ShapesQueryParser.maxBytes else { throw QueryError.tooLong(bytes: bytes) }
        let pieces = text.lowercased()
            .split(whereSeparator: { $0.isWhitespace || $0 == "," || $0 == "_" })
            .map(String.init)
            .filter { !fillerWords.contains($0) }
        guard !pieces.isEmpty else {
            throw QueryError(
                .empty,
                "The query is empty; type at least one of the known words, e.g. \"red circle left of blue square\".")
        }
        var words: [String] = [], tokens: [Int] = []
        for typed in pieces {
            let word = synonyms[typed] ?? typed
            guard let token = ScenesVocabulary.vocabulary.index(of: word), token != Vocabulary.classToken else {
                throw QueryError(
                    .unknownWord(typed),
                    "unknown word \"\(typed)\"; known words: \(ScenesVocabulary.words.joined(separator: ", ")) "
                        + "(and the filler words \(fillerWords.sorted().joined(separator: ", ")))")
            }
            words.append(word)
            tokens.append(token)
        }
        guard words.count <= maxWords else {
            throw QueryError(
                .tooManyWords(words.count),
                "The query has \(words.count) words; use at most \(maxWords), e.g. \"red circle left of blue square\".")
        }
        return ParsedQuery(words: words, tokens: tokens)
    }
}
