import Foundation
import TestSupport
import XCTest

@testable import Datasets

/// `coco:FILE.json`: `images[]` and `annotations[]`, and what each bad entry or document
/// becomes: a report line for an entry, an error naming the place for the document.
final class COCOReaderTests: XCTestCase {
    /// `images/1.png` … `images/N.png` and `json` as `captions.json`.
    func scratch(images count: Int = 3, _ json: String) throws -> Scratch {
        let scratch = try Scratch()
        for n in 1...count { try scratch.image("coco/images/\(n).png", grey: UInt8(40 * n)) }
        try scratch.write("coco/captions.json", text: json)
        return scratch
    }

    func source(_ scratch: Scratch) -> String { "coco:\(scratch.path("coco/captions.json"))" }

    func testImagesInAscendingIDWithTheirAnnotations() throws {
        let scratch = try scratch(
            """
            {"info": {"year": 2026}, "licenses": [],
             "images": [{"id": 30, "file_name": "images/3.png", "width": 4, "height": 4},
                        {"id": 10, "file_name": "images/1.png"},
                        {"id": 20, "file_name": "images/2.png"}],
             "annotations": [{"id": 1, "image_id": 20, "caption": "  the middle one \\n"},
                             {"id": 2, "image_id": 10, "caption": "the darkest"},
                             {"id": 3, "image_id": 30, "caption": "the lightest"},
                             {"id": 4, "image_id": 10, "caption": "the darkest"},
                             {"id": 5, "image_id": 10, "caption": "a dark square"}]}
            """)
        let dataset = try scratch.open(source(scratch))
        XCTAssertEqual(dataset.ids.map { dataset.fileName(of: $0) }, ["images/1.png", "images/2.png", "images/3.png"])
        XCTAssertEqual(dataset.ids.map { dataset.captions(of: $0) }, [["the darkest", "a dark square"], ["the middle one"], ["the lightest"]])
        XCTAssertEqual(dataset.reportLines, [])
        XCTAssertEqual(dataset.report.duplicateCaptions, 1)
    }

    func testDanglingRepeatedAndMistypedEntriesAreReportedOneLineEach() throws {
        let scratch = try scratch(
            images: 4,
            """
            {"images": [{"id": 1, "file_name": "images/1.png"},
                        {"id": 1, "file_name": "images/2.png"},
                        {"id": "3", "file_name": "images/3.png"},
                        {"id": 4.5, "file_name": "images/4.png"},
                        {"id": 5},
                        "images/4.png",
                        {"id": 6, "file_name": "images/2.png"},
                        {"id": 7, "file_name": "images/4.png"}],
             "annotations": [{"image_id": 1, "caption": "one"},
                             {"image_id": 99, "caption": "of nothing"},
                             {"image_id": "6", "caption": "a string id"},
                             {"image_id": 6, "caption": 6},
                             {"image_id": 6, "caption": "   "},
                             {"image_id": 6, "caption": "six"},
                             {"caption": "no id"}]}
            """)
        let dataset = try scratch.open(source(scratch))
        XCTAssertEqual(
            dataset.reportLines,
            [
                "captions.json: images[1].id 1 repeats an earlier image's id; this one is skipped",
                "captions.json: images[2].id must be an integer (got a string)",
                "captions.json: images[3].id must be an integer (got the number 4.5)",
                "captions.json: images[4].file_name must be a file name (got nothing)",
                "captions.json: images[5] must be an object (got a string)",
                "captions.json: annotations[1].image_id 99 is not the id of any image",
                "captions.json: annotations[2].image_id must be an integer (got a string)",
                "captions.json: annotations[3].caption must be a string; annotation ignored",
                "captions.json: annotations[4].caption is empty; annotation ignored",
                "captions.json: annotations[6].image_id must be an integer (got nothing)",
                "images/4.png: no caption (no annotation with image_id 7)",
            ])
        XCTAssertEqual(dataset.captionsByFile, ["images/1.png": ["one"], "images/2.png": ["six"]])
        XCTAssertEqual(dataset.report.skipped, 9)
        XCTAssertEqual(dataset.report.entries, 11, "8 images and 3 annotations of no image")
    }

    func testMalformedJSONNamesTheLineAndColumn() throws {
        let scratch = try scratch(
            """
            {"images": [{"id": 1, "file_name": "images/1.png"},
                        {"id": 2 "file_name": "images/2.png"}],
             "annotations": []}
            """)
        XCTAssertEqual(
            scratch.failure(source(scratch)),
            "\(scratch.path("coco/captions.json")) line 2 column 22: expected ',' or '}' in an object")
    }

    func testADocumentWithoutImagesOrAnnotationsNamesTheKey() throws {
        let path = "coco/captions.json"
        for (json, message) in [
            (#"{"annotations": []}"#, "images is missing"),
            (#"{"images": {}, "annotations": []}"#, "images must be an array"),
            (#"{"images": []}"#, "annotations is missing"),
            (#"[{"images": []}]"#, "the document must be an object"),
        ] {
            let scratch = try scratch(json)
            XCTAssertEqual(scratch.failure(source(scratch)), "\(scratch.path(path)): \(message)", json)
        }
        let scratch = try Scratch()
        XCTAssertEqual(
            scratch.failure("coco:\(scratch.path(path))"),
            "\(scratch.path(path)) cannot be read (does it exist?)")
    }

    func testImagesDirMovesTheImagesAndAMissingFileIsReported() throws {
        let scratch = try Scratch()
        try scratch.image("elsewhere/1.png")
        try scratch.image("elsewhere/2.png", grey: 90)
        try scratch.write(
            "coco/captions.json",
            text: """
                {"images": [{"id": 1, "file_name": "1.png"}, {"id": 2, "file_name": "2.png"}, {"id": 3, "file_name": "3.png"}],
                 "annotations": [{"image_id": 1, "caption": "one"}, {"image_id": 2, "caption": "two"},
                                 {"image_id": 3, "caption": "three"}]}
                """)
        var configuration = scratch.configuration(source(scratch))
        configuration.imagesDir = scratch.path("elsewhere")
        let dataset = try FileDataset(configuration, seed: 0)
        XCTAssertEqual(
            dataset.reportLines, ["3.png: does not exist (looked for \(scratch.path("elsewhere"))/3.png)"])
        XCTAssertEqual(dataset.captionsByFile, ["1.png": ["one"], "2.png": ["two"]])
    }
}
