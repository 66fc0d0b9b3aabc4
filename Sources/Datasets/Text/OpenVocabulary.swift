/// The word vocabulary of a dataset whose captions are free text (docs/MODEL.md): built
/// from the training captions, `[CLS]`, `[UNK]`, then the words by descending count, ties
/// alphabetical; words seen fewer than `minCount` times are left to `[UNK]`.
public enum OpenVocabulary {
    public static let unknownToken = 1
    public static let unknownTokenText = "[UNK]"

    /// Lower-cased words: a word is a run of letters, digits, hyphens and apostrophes.
    public static func words(_ text: String) -> [String] {
        text.lowercased()
            .split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "'") })
            .map(String.init)
    }

    public static func build(captions: [String], minCount: Int) -> Vocabulary {
        var counts: [String: Int] = [:]
        for caption in captions {
            for word in words(caption) { counts[word, default: 0] += 1 }
        }
        let kept = counts.filter { $0.value >= minCount }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map(\.key)
        return Vocabulary(words: [unknownTokenText] + kept)
    }

    /// A caption's tokens, unknown words as `[UNK]`, at most `maxWords`; and whether it was cut.
    public static func tokens(_ caption: String, vocabulary: Vocabulary, maxWords: Int) -> (
        tokens: [Int], truncated: Bool
    ) {
        let all = words(caption)
        let tokens = all.prefix(maxWords).map { vocabulary.index(of: $0) ?? unknownToken }
        return (tokens, all.count > maxWords)
    }
}

/// Queries against an open vocabulary: words outside it are ignored and listed; nothing
/// known left is an error that names them.
public struct OpenQueryParser: Sendable {
    public static let maxBytes = 256
    public let vocabulary: Vocabulary
    public let maxWords: Int

    public init(vocabulary: Vocabulary, maxWords: Int) {
        self.vocabulary = vocabulary
        self.maxWords = maxWords
    }

    public func parse(_ text: String) throws -> ParsedQuery {
        let bytes = text.utf8.count
        guard bytes <= Self.maxBytes else {
            throw QueryError(
                .tooLong(bytes: bytes),
                "The query is \(bytes) bytes long; shorten it to at most \(Self.maxBytes) bytes.")
        }
        let typed = OpenVocabulary.words(text)
        guard !typed.isEmpty else {
            throw QueryError(.empty, "The query is empty; type a few words of a caption.")
        }
        var words: [String] = [], tokens: [Int] = [], unknown: [String] = []
        for word in typed {
            if let token = vocabulary.index(of: word), token > OpenVocabulary.unknownToken {
                words.append(word)
                tokens.append(token)
            } else if !unknown.contains(word) {
                unknown.append(word)
            }
        }
        guard !words.isEmpty else {
            let quoted = unknown.map { "\"\($0)\"" }.joined(separator: ", ")
            throw QueryError(
                .noKnownWords(unknown),
                "none of the query's words is in the vocabulary (\(quoted)); the model knows \(vocabulary.count - 2) "
                    + "words from its training captions, e.g. \(vocabulary.words.dropFirst().prefix(8).joined(separator: ", "))"
            )
        }
        guard words.count <= maxWords else {
            throw QueryError(
                .tooManyWords(words.count), "The query has \(words.count) known words; use at most \(maxWords).")
        }
        return ParsedQuery(words: words, tokens: tokens, unknownWords: unknown)
    }
}
