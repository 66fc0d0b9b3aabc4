/// The sentences a shapes query is refused with.
extension QueryError {
    public static var empty: QueryError {
        QueryError(.empty, "The query is empty; type at least one of the known words, e.g. \"pink circle top\".")
    }

    public static func tooLong(bytes: Int) -> QueryError {
        QueryError(
            .tooLong(bytes: bytes),
            "The query is \(bytes) bytes long; shorten it to at most \(ShapesQueryParser.maxBytes) bytes.")
    }

    public static func unknownWord(_ word: String) -> QueryError {
        QueryError(
            .unknownWord(word),
            "unknown word \"\(word)\"; known words: \(ShapesVocabulary.words.joined(separator: ", "))")
    }

    public static func tooManyWords(_ count: Int) -> QueryError {
        QueryError(
            .tooManyWords(count),
            "The query has \(count) words; use at most \(ShapesQueryParser.maxWords), e.g. \"pink circle top\".")
    }
}

/// Turns free text into vocabulary words (docs/API.md, "Query text is forgiving").
///
/// Rules, in order:
/// 1. more than `maxBytes` UTF-8 bytes → `.tooLong` (checked before anything else);
/// 2. lowercase; split on whitespace, commas and underscores;
/// 3. drop the stop words a, an, the, at, in, on, of;
/// 4. "top"/"bottom" followed by "left"/"right" become one word, "top-left" etc.;
/// 5. synonyms: center → centre, grey → gray, topleft → top-left (and the other three);
/// 6. nothing left → `.empty`; a word outside the vocabulary → `.unknownWord`;
///    more than `maxWords` words → `.tooManyWords`.
/// Any subset of a caption's words, in any order, is a valid query.
public enum ShapesQueryParser {
    public static let maxBytes = 256
    public static let maxWords = 8

    static let stopWords: Set<String> = ["a", "an", "the", "at", "in", "on", "of"]

    static let synonyms: [String: String] = [
        "center": "centre",
        "grey": "gray",
        "topleft": "top-left",
        "topright": "top-right",
        "bottomleft": "bottom-left",
        "bottomright": "bottom-right",
    ]

    public static func parse(_ text: String) throws -> ParsedQuery {
        let bytes = text.utf8.count
        guard bytes <= maxBytes else { throw QueryError.tooLong(bytes: bytes) }

        let pieces = text.lowercased()
            .split(whereSeparator: { $0.isWhitespace || $0 == "," || $0 == "_" })
            .map(String.init)
            .filter { !stopWords.contains($0) }

        var merged: [String] = []
        var index = 0
        while index < pieces.count {
            let word = pieces[index]
            if index + 1 < pieces.count, word == "top" || word == "bottom" {
                let next = pieces[index + 1]
                if next == "left" || next == "right" {
                    merged.append("\(word)-\(next)")
                    index += 2
                    continue
                }
            }
            merged.append(word)
            index += 1
        }
        guard !merged.isEmpty else { throw QueryError.empty }

        var words: [String] = []
        var tokens: [Int] = []
        for typed in merged {
            let word = synonyms[typed] ?? typed
            guard word != ShapesVocabulary.tokens[ShapesVocabulary.classToken],
                let token = ShapesVocabulary.index(of: word)
            else { throw QueryError.unknownWord(typed) }
            words.append(word)
            tokens.append(token)
        }
        guard words.count <= maxWords else { throw QueryError.tooManyWords(words.count) }
        return ParsedQuery(words: words, tokens: tokens)
    }
}
