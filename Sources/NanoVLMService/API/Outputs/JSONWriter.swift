import JSON

/// Writes JSON straight into bytes, for the response shapes on the hot path (search
/// results), where `JSONEncoder` costs more than the model. The shapes are the Encodable
/// bodies of SearchBodies.swift; keys are written in sorted order, so the output is
/// byte-for-byte what `JSONCoding.encoder()` writes for them (JSONWriterTests holds the two
/// together).
struct JSONWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func key(_ name: StaticString) {
        raw("\"")
        raw(name)
        raw("\":")
    }

    mutating func string(_ text: String) { JSONString.append(text, to: &bytes) }

    /// A parsed or built value, compact, members in their order.
    mutating func value(_ value: JSONValue) { value.write(to: &bytes) }

    mutating func int(_ value: Int) { bytes.append(contentsOf: String(value).utf8) }

    /// Shortest round-trip form, as `JSONEncoder` writes a Float.
    mutating func float(_ value: Float) {
        guard value.isFinite else { return raw("null") }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    mutating func comma() { bytes.append(UInt8(ascii: ",")) }

    mutating func strings(_ texts: [String]) {
        raw("[")
        for (i, text) in texts.enumerated() {
            if i > 0 { comma() }
            string(text)
        }
        raw("]")
    }
}

/// A body that writes itself without `JSONEncoder`.
protocol FastJSON {
    func write(to json: inout JSONWriter)
}

extension SearchHit: FastJSON {
    func write(to json: inout JSONWriter) {
        json.raw("{")
        json.key("caption")
        json.string(caption)
        if let explanation {
            json.raw(",")
            json.key("explanation")
            json.raw("{")
            json.key("bias")
            json.float(explanation.bias)
            json.raw(",")
            json.key("words")
            json.raw("[")
            for (i, word) in explanation.words.enumerated() {
                if i > 0 { json.comma() }
                json.raw("{")
                json.key("contribution")
                json.float(word.contribution)
                json.raw(",")
                json.key("word")
                json.string(word.word)
                json.raw("}")
            }
            json.raw("]}")
        }
        json.raw(",")
        json.key("id")
        json.int(id)
        if let imageURL {
            json.raw(",")
            json.key("image_url")
            json.string(imageURL)
        }
        // The dataset's fields (keys sorted, as `JSONCoding.encoder()` sorts them) fall
        // between image_url and probability for the only ones there are, "objects".
        for field in fields.sorted(by: { $0.name < $1.name }) {
            precondition(field.name > "image_url" && field.name < "probability", "field \(field.name) out of key order")
            json.raw(",")
            json.string(field.name)
            json.raw(":")
            json.value(field.value)
        }
        json.raw(",")
        json.key("probability")
        json.float(probability)
        json.raw(",")
        json.key("rank")
        json.int(rank)
        json.raw(",")
        json.key("score")
        json.float(score)
        json.raw("}")
    }
}

extension Array: FastJSON where Element == SearchHit {
    func write(to json: inout JSONWriter) {
        json.raw("[")
        for (i, hit) in enumerated() {
            if i > 0 { json.comma() }
            hit.write(to: &json)
        }
        json.raw("]")
    }
}

/// What a search echoes as its `query`.
protocol FastJSONQuery {
    func writeQuery(to json: inout JSONWriter)
}

extension String: FastJSONQuery {
    func writeQuery(to json: inout JSONWriter) { json.string(self) }
}

extension ImageQuery: FastJSONQuery {
    func writeQuery(to json: inout JSONWriter) {
        json.raw("{")
        json.key("bytes")
        json.int(bytes)
        if let candidates {
            json.raw(",")
            json.key("candidates")
            json.strings(candidates)
        }
        json.raw(",")
        json.key("type")
        json.string(type)
        json.raw("}")
    }
}

extension SearchResponse: FastJSON where Query: FastJSONQuery {
    func write(to json: inout JSONWriter) {
        json.raw("{")
        json.key("k")
        json.int(k)
        json.raw(",")
        json.key("query")
        query.writeQuery(to: &json)
        json.raw(",")
        json.key("results")
        results.write(to: &json)
        if let unknownWords {
            json.raw(",")
            json.key("unknown_words")
            json.strings(unknownWords)
        }
        json.raw("}")
    }
}

extension BatchSearchResponse: FastJSON {
    func write(to json: inout JSONWriter) {
        json.raw("{")
        json.key("k")
        json.int(k)
        json.raw(",")
        json.key("queries")
        json.raw("[")
        for (i, entry) in queries.enumerated() {
            if i > 0 { json.comma() }
            json.raw("{")
            json.key("query")
            json.string(entry.query)
            json.raw(",")
            json.key("results")
            entry.results.write(to: &json)
            if let unknownWords = entry.unknownWords {
                json.raw(",")
                json.key("unknown_words")
                json.strings(unknownWords)
            }
            json.raw("}")
        }
        json.raw("]}")
    }
}
