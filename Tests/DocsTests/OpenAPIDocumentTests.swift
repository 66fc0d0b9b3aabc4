import Foundation
import NanoVLMService
import TestSupport
import XCTest

/// Every method and path of the docs/API.md table, and nothing else but HEAD (below).
let specTable: [(method: String, path: String)] = [
    ("get", "/healthz"), ("get", "/livez"), ("get", "/readyz"),
    ("get", "/v1/search/images"), ("post", "/v1/search/images"),
    ("post", "/v1/search/captions"), ("post", "/v1/classify"), ("post", "/v1/caption"),
    ("get", "/v1/images"), ("get", "/v1/images/{id}.png"),
    ("post", "/v1/embed/text"), ("post", "/v1/embed/image"),
    ("get", "/v1/model"), ("get", "/v1/eval"), ("post", "/v1/admin/reload"),
    ("get", "/metrics"), ("get", "/openapi.json"), ("get", "/"), ("get", "/page.css"), ("get", "/page.js"),
]

/// The table plus HEAD on every GET path: the router answers HEAD wherever it answers GET,
/// and the 405 `Allow` lists say so.
let specOperations: [(method: String, path: String)] =
    specTable + specTable.filter { $0.method == "get" }.map { ("head", $0.path) }

let httpMethods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

/// The document file the server sends, `Sources/NanoVLMService/Resources/openapi.json`.
let openAPIFile = resourcesFolder.appendingPathComponent("openapi.json")

func openAPIDocument() throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data(contentsOf: openAPIFile))
    return try XCTUnwrap(value as? [String: Any], "the document is not a JSON object")
}

/// Follows a local JSON pointer (`#/components/schemas/Error`) through the document.
func resolve(_ reference: String, in document: [String: Any]) -> Any? {
    guard reference.hasPrefix("#/") else { return nil }
    var node: Any = document
    for raw in reference.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
        let key = raw.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        guard let object = node as? [String: Any], let next = object[key] else { return nil }
        node = next
    }
    return node
}

/// Follows `$ref` chains until a node that is not a reference.
func dereference(_ node: Any?, in document: [String: Any]) -> Any? {
    var current = node
    var hops = 0
    while let object = current as? [String: Any], let reference = object["$ref"] as? String, hops < 16 {
        current = resolve(reference, in: document)
        hops += 1
    }
    return current
}

/// Every `$ref` string anywhere under `node`, with the JSON path where it was found.
func references(in node: Any, at path: String = "#") -> [(path: String, reference: String)] {
    if let object = node as? [String: Any] {
        var found: [(String, String)] = []
        for (key, value) in object {
            if key == "$ref", let reference = value as? String { found.append((path, reference)) }
            found += references(in: value, at: path + "/" + key)
        }
        return found
    }
    if let array = node as? [Any] {
        return array.enumerated().flatMap { references(in: $0.element, at: path + "/\($0.offset)") }
    }
    return []
}

final class OpenAPIDocumentTests: XCTestCase {
    func testParsesAsOpenAPI303() throws {
        let document = try openAPIDocument()
        XCTAssertEqual(document["openapi"] as? String, "3.0.3")
        let info = try XCTUnwrap(document["info"] as? [String: Any])
        XCTAssertNotNil(info["title"] as? String)
        XCTAssertNotNil(info["version"] as? String)
    }

    func testEverySpecOperationIsDescribedAndNoOther() throws {
        let paths = try XCTUnwrap(try openAPIDocument()["paths"] as? [String: Any])
        var described: Set<String> = []
        for (path, item) in paths {
            for method in (item as? [String: Any] ?? [:]).keys where httpMethods.contains(method) {
                described.insert("\(method.uppercased()) \(path)")
            }
        }
        let expected = Set(specOperations.map { "\($0.method.uppercased()) \($0.path)" })
        XCTAssertEqual(expected.subtracting(described).sorted(), [], "docs/API.md operations missing from the document")
        XCTAssertEqual(described.subtracting(expected).sorted(), [], "operations the API reference does not name")
    }

    func testEveryOperationHasAUniqueIdASuccessAndAnErrorResponse() throws {
        let document = try openAPIDocument()
        let paths = try XCTUnwrap(document["paths"] as? [String: Any])
        var operationIds: [String] = []
        for (path, item) in paths {
            for (method, value) in item as? [String: Any] ?? [:] where httpMethods.contains(method) {
                let name = "\(method.uppercased()) \(path)"
                let operation = try XCTUnwrap(value as? [String: Any], name)
                let operationId = try XCTUnwrap(operation["operationId"] as? String, "\(name) has no operationId")
                operationIds.append(operationId)
                let responses = try XCTUnwrap(operation["responses"] as? [String: Any], "\(name) has no responses")
                XCTAssertTrue(responses.keys.contains { $0.hasPrefix("2") }, "\(name) has no 2xx response")
                var errorStatuses: [String] = []
                // HEAD answers carry no body; /readyz's 503 is its readiness report, not an error.
                let bodyless = method == "head"
                for (status, response) in responses where status.hasPrefix("4") || status.hasPrefix("5") {
                    errorStatuses.append(status)
                    if bodyless || (path == "/readyz" && status == "503") { continue }
                    let resolved = try XCTUnwrap(
                        dereference(response, in: document) as? [String: Any], "\(name) \(status) does not resolve")
                    XCTAssertNotNil(resolved["description"] as? String, "\(name) \(status) has no description")
                    let content = resolved["content"] as? [String: Any]
                    let media = content?["application/json"] as? [String: Any]
                    let schema = media?["schema"] as? [String: Any]
                    let alternatives = (schema?["oneOf"] as? [[String: Any]]) ?? (schema.map { [$0] } ?? [])
                    XCTAssertTrue(
                        alternatives.contains { $0["$ref"] as? String == "#/components/schemas/Error" },
                        "\(name) \(status) is not an application/json Error")
                }
                if !bodyless {
                    XCTAssertFalse(errorStatuses.isEmpty, "\(name) documents no error response")
                    XCTAssertTrue(errorStatuses.contains("405"), "\(name) does not document 405")
                }
            }
        }
        XCTAssertEqual(operationIds.count, specOperations.count)
        XCTAssertEqual(Set(operationIds).count, operationIds.count, "operationIds must be unique")
    }

    func testEveryStatusTheSpecNamesIsDocumented() throws {
        let document = try openAPIDocument()
        let paths = try XCTUnwrap(document["paths"] as? [String: Any])
        var statuses: Set<String> = []
        for item in paths.values {
            for (method, value) in item as? [String: Any] ?? [:] where httpMethods.contains(method) {
                statuses.formUnion(((value as? [String: Any])?["responses"] as? [String: Any] ?? [:]).keys)
            }
        }
        for status in ["200", "400", "401", "403", "404", "405", "413", "415", "503"] {
            XCTAssertTrue(statuses.contains(status), "no operation documents \(status)")
        }
        let reload = try XCTUnwrap(
            (paths["/v1/admin/reload"] as? [String: Any])?["post"] as? [String: Any])
        let security = try XCTUnwrap(reload["security"] as? [[String: Any]])
        XCTAssertEqual(security.first?.keys.first, "adminToken")
        let scheme = try XCTUnwrap(
            resolve("#/components/securitySchemes/adminToken", in: document) as? [String: Any])
        XCTAssertEqual(scheme["type"] as? String, "http")
        XCTAssertEqual(scheme["scheme"] as? String, "bearer")
    }

    func testEveryReferenceResolves() throws {
        let document = try openAPIDocument()
        let found = references(in: document)
        XCTAssertGreaterThan(found.count, 50)
        for (path, reference) in found {
            XCTAssertNotNil(resolve(reference, in: document), "\(reference) at \(path) does not resolve")
        }
    }

    func testErrorSchemaIsTheSpecShape() throws {
        let document = try openAPIDocument()
        let error = try XCTUnwrap(resolve("#/components/schemas/Error", in: document) as? [String: Any])
        XCTAssertEqual(error["required"] as? [String], ["error"])
        XCTAssertEqual(error["additionalProperties"] as? Bool, false)
        let inner = try XCTUnwrap((error["properties"] as? [String: Any])?["error"] as? [String: Any])
        XCTAssertEqual(Set(inner["required"] as? [String] ?? []), ["code", "message"])
        XCTAssertEqual(inner["additionalProperties"] as? Bool, false)
        for field in ["code", "message"] {
            let property = (inner["properties"] as? [String: Any])?[field] as? [String: Any]
            XCTAssertEqual(property?["type"] as? String, "string", field)
        }
    }

    func testBoundsOfKImageIdsAndPages() throws {
        let document = try openAPIDocument()
        let k = try XCTUnwrap(resolve("#/components/schemas/K", in: document) as? [String: Any])
        XCTAssertEqual(k["minimum"] as? Int, 1)
        XCTAssertEqual(k["maximum"] as? Int, 1000, "k up to 1000, or the candidates when fewer")
        XCTAssertEqual(k["default"] as? Int, 5)
        let id = try XCTUnwrap(resolve("#/components/schemas/ImageId", in: document) as? [String: Any])
        XCTAssertEqual(id["minimum"] as? Int, 0)
        XCTAssertNil(id["maximum"], "ids run to the served gallery's size")
        let limit = try XCTUnwrap(resolve("#/components/parameters/Limit/schema", in: document) as? [String: Any])
        XCTAssertEqual(limit["minimum"] as? Int, 1)
        XCTAssertEqual(limit["maximum"] as? Int, 1000)
        XCTAssertEqual(limit["default"] as? Int, 100)
        let offset = try XCTUnwrap(resolve("#/components/parameters/Offset/schema", in: document) as? [String: Any])
        XCTAssertEqual(offset["minimum"] as? Int, 0)
        XCTAssertEqual(offset["default"] as? Int, 0)
        let batch = try XCTUnwrap(
            resolve("#/components/schemas/BatchImageSearchRequest/properties/queries", in: document) as? [String: Any])
        XCTAssertEqual(batch["maxItems"] as? Int, 64)
    }

    func testFixedShapesAllowNoOtherProperties() throws {
        let document = try openAPIDocument()
        for name in [
            "Error", "Status", "ImageSearchRequest", "BatchImageSearchRequest", "Explanation", "ImageResult",
            "ImageSearchResponse", "BatchImageSearchResponse", "CaptionResult", "CaptionSearchResponse",
            "ShapeClassification", "SceneClassification", "SceneObject", "SceneGalleryImage", "Binding",
            "ColourPrediction", "ShapePrediction", "PositionPrediction", "GalleryImage", "FileGalleryImage", "GalleryPage", "EmbedTextRequest", "EmbedTextsRequest", "Embedding", "Embeddings",
            "RankMetrics", "DirectionMetrics", "Evaluation", "Weights", "DatasetInfo",
        ] {
            let schema = resolve("#/components/schemas/\(name)", in: document) as? [String: Any]
            XCTAssertEqual(schema?["additionalProperties"] as? Bool, false, name)
        }
    }

    /// Each served file's 200 is documented with the media type the server sends it as.
    func testServedFilesAreDocumentedWithTheirContentTypes() throws {
        let paths = try XCTUnwrap(try openAPIDocument()["paths"] as? [String: Any])
        for file in ServedFiles.files {
            let get = (paths[file.route] as? [String: Any])?["get"] as? [String: Any]
            let ok = (get?["responses"] as? [String: Any])?["200"] as? [String: Any]
            let media = try XCTUnwrap(ok?["content"] as? [String: Any], "GET \(file.route) 200 has no content")
            let sent = String(file.contentType.split(separator: ";")[0])
            XCTAssertEqual(Array(media.keys), [sent], "GET \(file.route)")
        }
    }

    /// The reference validator (PyPI `openapi-spec-validator`) accepts the document.
    func testTheReferenceValidatorAcceptsTheDocument() throws {
        try requirePython(modules: ["openapi_spec_validator"], install: "pip install openapi-spec-validator")
        let result = try runPython(["-m", "openapi_spec_validator", openAPIFile.path])
        XCTAssertEqual(result.status, 0, result.transcript)
        XCTAssertTrue(result.output.contains("OK"), result.transcript)
    }

    /// The documented example bodies validate against the document's schemas, and bodies
    /// that break the contract do not (with the OpenAPI 3.0 dialect of JSON Schema).
    func testSpecExamplesMatchTheSchemas() throws {
        try requirePython(modules: ["openapi_schema_validator"], install: "pip install openapi-spec-validator")
        let rank = #"{"r1": 1.0, "r5": 1.0, "mean_rank": 1.0}"#
        let direction = #"{"image_to_text": \#(rank), "text_to_image": \#(rank)}"#
        let evaluation = #"""
            {"validation": {"among_validation": \#(direction), "among_all": \#(direction)},
             "robustness": {"among_all": \#(direction), "by_perturbation": {"size": \#(direction),
               "offset": \#(direction), "antialias": \#(direction), "canvas64": \#(direction), "canvas128": \#(direction)}}}
            """#
        let result = #"{"rank": 1, "id": 109, "caption": "pink circle top", "score": 0.93, "probability": 0.88, "image_url": "/v1/images/109.png"}"#
        let explained = #"""
            {"rank": 1, "id": 109, "caption": "pink circle top", "score": 0.93, "probability": 0.88,
             "image_url": "/v1/images/109.png",
             "explanation": {"words": [{"word": "pink", "contribution": 0.41}, {"word": "circle", "contribution": 0.3},
                                       {"word": "top", "contribution": 0.2}], "bias": 0.02}}
            """#
        func prediction(_ label: String, _ words: [String]) -> String {
            let probabilities = words.map { "\"\($0)\": \($0 == label ? 0.9 : 0.1 / Double(words.count - 1))" }
            return #"{"label": "\#(label)", "probability": 0.9, "probabilities": {\#(probabilities.joined(separator: ", "))}}"#
        }
        let colours = ["red", "green", "blue", "yellow", "pink", "brown", "orange", "purple", "gray"]
        let positions = ["top-left", "top", "top-right", "left", "centre", "right", "bottom-left", "bottom", "bottom-right"]
        let classification = #"""
            {"colour": \#(prediction("pink", colours)), "shape": \#(prediction("circle", ["circle", "square", "triangle"])),
             "position": \#(prediction("top", positions))}
            """#
        let model = #"""
            {"architecture": {"image_encoder": "cnn", "text_encoder": "mean", "embedding_dim": 32, "parameters": 250000},
             "temperature": 0.07, "seed": 0,
             "dataset": {"source": "shapes", "images": 243, "captions": 243, "vocabulary": 21, "sha256": null, "skipped": 0},
             "weights": {"source": "trained at start-up", "path": "weights/nanovlm.safetensors",
                         "sha256": "\#(String(repeating: "ab", count: 32))"},
             "training": {"epochs": 2, "seconds": 3.5, "final_loss": 0.2,
                          "history": [{"epoch": 1, "loss": 1.5, "val_r1_image_to_text": 0.5, "val_r1_text_to_image": 0.4,
                                       "learning_rate": 0.005, "elapsed": 1.5},
                                      {"epoch": 2, "loss": 0.2, "learning_rate": 0.001, "elapsed": 3.5}]},
             "metrics": \#(evaluation), "blas": {"core": "SkylakeX", "threads": 2}, "version": "0.1.0"}
            """#
        // (schema, instance, should it validate?)
        let cases: [(String, String, Bool)] = [
            ("Error", #"{"error": {"code": "unknown_word", "message": "unknown word \"teal\""}}"#, true),
            ("Error", #"{"error": {"code": "x"}}"#, false),
            ("Error", #"{"error": {"code": "x", "message": "y"}, "status": 400}"#, false),
            ("Status", #"{"status": "ok"}"#, true),
            ("ImageSearchResponse", #"{"query": "pink circle top", "k": 1, "results": [\#(result)]}"#, true),
            ("ImageSearchResponse", #"{"query": "pink circle top", "k": 1, "results": [\#(explained)]}"#, true),
            ("ImageSearchResponse", #"{"query": "pink", "k": 0, "results": []}"#, false),
            ("ImageSearchResponse", #"{"query": "pink", "k": 1, "results": [{"rank": 1, "id": 109}]}"#, false),
            ("ImageResult", #"{"rank": 1, "id": 4000, "caption": "x", "score": 0.9, "probability": 0.5, "image_url": "/v1/images/4000.png"}"#, true),
            ("ImageResult", #"{"rank": 1, "id": -1, "caption": "x", "score": 0.9, "probability": 0.5, "image_url": "/v1/images/1.png"}"#, false),
            ("ImageSearchResponse", #"{"query": "pink zebra", "k": 1, "results": [\#(result)], "unknown_words": ["zebra"]}"#, true),
            ("ImageSearchResponse", #"{"query": "pink", "k": 1, "results": [\#(result)], "unknown_words": []}"#, false),
            ("BatchImageSearchResponse", #"{"k": 1, "queries": [{"query": "red", "results": [\#(result)]}]}"#, true),
            (
                "BatchImageSearchResponse",
                #"{"k": 1, "queries": [{"query": "red zebra", "results": [\#(result)], "unknown_words": ["zebra"]}]}"#, true
            ),
            ("ImageSearchRequest", #"{"q": "pink circle top", "k": 5, "explain": true}"#, true),
            ("ImageSearchRequest", #"{"q": "", "k": 5}"#, false),
            ("BatchImageSearchRequest", #"{"queries": ["red", "blue square"], "k": 5}"#, true),
            ("BatchImageSearchRequest", #"{"queries": [\#(Array(repeating: "\"red\"", count: 65).joined(separator: ","))]}"#, false),
            ("CaptionSearchResponse", #"{"query": {"type": "image/png", "bytes": 95}, "k": 1, "results": [\#(result)]}"#, true),
            ("CaptionSearchResponse", #"{"query": {"type": "image/jpeg", "bytes": 95}, "k": 1, "results": [\#(result)]}"#, true),
            ("CaptionSearchResponse", #"{"query": {"type": "image/gif", "bytes": 95}, "k": 1, "results": [\#(result)]}"#, false),
            (
                "CaptionSearchResponse",
                #"{"query": {"type": "image/png", "bytes": 95, "candidates": ["red", "pink"]}, "k": 1, "results": [{"rank": 1, "id": 1, "caption": "pink", "score": 0.5, "probability": 0.7}]}"#,
                true
            ),
            ("CaptionSearchResponse", #"{"query": "upload", "k": 1, "results": [\#(result)]}"#, false),
            ("Classification", classification, true),
            ("Classification", #"{"colour": \#(prediction("teal", ["teal", "red"])), "shape": {}, "position": {}}"#, false),
            (
                "Classification",
                #"{"objects": [{"cell": "top-left", "colour": "red", "shape": "circle"}, {"cell": "right", "colour": "blue", "shape": "square"}], "relation": "left of", "caption": "red circle left of blue square", "probability": 0.9, "candidates": [{"caption": "red circle left of blue square", "probability": 0.9}]}"#,
                true
            ),
            (
                "Classification",
                #"{"objects": [{"cell": "top-left", "colour": "red", "shape": "circle"}], "relation": "beside", "caption": "x", "probability": 0.9, "candidates": []}"#,
                false
            ),
            (
                "SceneGalleryImage",
                #"{"id": 1600, "caption": "red circle above blue square", "objects": [{"cell": "top", "colour": "red", "shape": "circle"}, {"cell": "centre", "colour": "blue", "shape": "square"}], "split": "validation"}"#,
                true
            ),
            ("SceneGalleryImage", #"{"id": 1, "caption": "x", "objects": [{"cell": "top", "colour": "red", "shape": "circle"}], "split": "train"}"#, false),
            ("Binding", #"{"overall": 0.99, "cases": 1057, "by_kind": {"colour": 1, "shape": 0.98, "argument": 0.99}}"#, true),
            ("Binding", #"{"overall": 0.99, "cases": 1057, "by_kind": {"order": 1}}"#, false),
            ("GalleryImage", #"{"id": 109, "caption": "pink circle top", "colour": "pink", "shape": "circle", "position": "top", "split": "train"}"#, true),
            ("GalleryImage", #"{"id": 109, "caption": "pink circle top", "colour": "pink", "shape": "circle", "position": "center", "split": "train"}"#, false),
            ("FileGalleryImage", #"{"id": 7, "caption": "a cat", "captions": ["a cat", "a grey cat"], "file": "cats/7.jpg", "split": "train"}"#, true),
            ("FileGalleryImage", #"{"id": 7, "caption": "a cat", "file": "cats/7.jpg", "split": "train"}"#, false),
            (
                "GalleryPage",
                #"{"total": 5000, "offset": 100, "items": [{"id": 100, "caption": "a cat", "captions": ["a cat"], "file": "c.png", "split": "validation"}]}"#,
                true
            ),
            ("GalleryPage", #"{"total": 243, "offset": 0, "items": []}"#, true),
            ("GalleryPage", #"{"offset": 0, "items": []}"#, false),
            ("DatasetInfo", #"{"source": "folder:photos", "images": 40, "captions": 80, "vocabulary": 31, "sha256": "\#(String(repeating: "0a", count: 32))", "skipped": 1}"#, true),
            ("DatasetInfo", #"{"source": "shapes", "images": 243, "captions": 243, "vocabulary": 21, "skipped": 0}"#, false),
            ("Embedding", #"{"dim": 3, "embedding": [0.6, 0.8, 0.0]}"#, true),
            ("Embeddings", #"{"dim": 2, "embeddings": [[0.6, 0.8], [1.0, 0.0]]}"#, true),
            ("EmbedTextRequest", #"{"text": "pink circle top"}"#, true),
            ("EmbedTextsRequest", #"{"texts": ["pink", "circle"]}"#, true),
            ("Evaluation", evaluation, true),
            ("Evaluation", #"{"validation": {"among_validation": \#(direction), "among_all": \#(direction)}}"#, true),
            ("Evaluation", #"{"robustness": {"among_all": \#(direction), "by_perturbation": {}}}"#, false),
            ("RankMetrics", #"{"r1": 1.2, "r5": 1.0, "mean_rank": 1.0}"#, false),
            ("Model", model, true),
            ("Weights", #"{"source": "downloaded", "sha256": "\#(String(repeating: "0", count: 64))"}"#, false),
        ]
        var lines: [String] = []
        for (schema, instance, valid) in cases {
            let object = try JSONSerialization.jsonObject(with: Data(instance.utf8), options: [.fragmentsAllowed])
            let compact = try JSONSerialization.data(withJSONObject: object, options: [.fragmentsAllowed])
            lines.append("\(schema)\t\(valid ? 1 : 0)\t\(String(decoding: compact, as: UTF8.self))")
        }
        let document = openAPIFile
        let instances = try temporaryFile(named: "cases.tsv", contents: lines.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(at: instances.deletingLastPathComponent()) }
        let script = """
            import json, sys
            from openapi_schema_validator import OAS30Validator
            document = json.load(open(sys.argv[1]))
            failures = 0
            for line in open(sys.argv[2]):
                name, expected, instance = line.rstrip("\\n").split("\\t", 2)
                schema = {"$ref": "#/components/schemas/" + name, "components": document["components"]}
                errors = list(OAS30Validator(schema).iter_errors(json.loads(instance)))
                if bool(errors) == (expected == "1"):
                    failures += 1
                    print("MISMATCH", name, "expected", "valid" if expected == "1" else "invalid", instance)
                    for e in errors[:3]: print("   ", e.message)
            sys.exit(1 if failures else 0)
            """
        let run = try runPython(["-c", script, document.path, instances.path])
        XCTAssertEqual(run.status, 0, run.transcript)
    }
}
