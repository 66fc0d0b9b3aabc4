// libFuzzer target: request-target parsing (path, percent-decoding, query pairs) and the
// forgiving text-query parsers of the shapes and scenes sets (docs/API.md, docs/DATASETS.md).
import HTTPServer
import Datasets

func fuzzQuery(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    let request = HTTPRequest(method: "GET", target: "/v1/search/images?" + text)
    _ = HTTPRequest(method: "GET", target: text).path
    for candidate in [text] + request.queryValues("q") {
        do {
            let parsed = try ShapesQueryParser.parse(candidate)
            guard !parsed.words.isEmpty, parsed.words.count == parsed.tokens.count,
                parsed.words.count <= ShapesQueryParser.maxWords, candidate.utf8.count <= ShapesQueryParser.maxBytes
            else { fatalError("accepted an invalid query: \(parsed)") }
            // The canonical form parses to itself.
            guard (try? ShapesQueryParser.parse(parsed.text)) == parsed else { fatalError("\(parsed.text) does not re-parse") }
        } catch is QueryError {
        } catch {
            fatalError("unexpected error type: \(error)")
        }
        do {
            let parsed = try ScenesQueryParser.parse(candidate)
            guard !parsed.words.isEmpty, parsed.words.count == parsed.tokens.count,
                parsed.words.count <= ScenesQueryParser.maxWords,
                parsed.tokens.allSatisfy({ (1..<ScenesVocabulary.vocabulary.count).contains($0) })
            else { fatalError("accepted an invalid scenes query: \(parsed)") }
            guard (try? ScenesQueryParser.parse(parsed.text)) == parsed else { fatalError("\(parsed.text) does not re-parse") }
        } catch is QueryError {
        } catch {
            fatalError("unexpected error type: \(error)")
        }
    }
}
