import Foundation
import TestSupport
import XCTest

@testable import Datasets

/// `tsv:FILE`: `path<TAB>caption` lines with paths relative to the file.
final class TSVReaderTests: XCTestCase {
    func testLinesListImagesInFirstAppearanceWithEveryCaption() throws {
        let scratch = try Scratch()
        try scratch.image("data/pics/b.png", grey: 50)
        try scratch.image("data/pics/a.png", grey: 150)
        try scratch.image("absolute/c.png", grey: 250)
        try scratch.write(
            "data/list.tsv",
            [0xEF, 0xBB, 0xBF]
                + Array(
                    ("filepath\tcaption\r\npics/b.png\ta dark square\r\npics/a.png\ta light square\r\n"
                        + "pics//b.png\tdark\r\n\(scratch.path("absolute/c.png"))\tthe lightest\r\n"
                        + "pics/a.png\ta light square\r\n").utf8))
        let dataset = try scratch.open("tsv:\(scratch.path("data/list.tsv"))")
        XCTAssertEqual(
            dataset.ids.map { dataset.fileName(of: $0) }, ["pics/b.png", "pics/a.png", scratch.path("absolute/c.png")])
        XCTAssertEqual(dataset.ids.map { dataset.captions(of: $0) }, [["a dark square", "dark"], ["a light square"], ["the lightest"]])
        XCTAssertEqual(dataset.reportLines, [])
        XCTAssertEqual(dataset.report.duplicateCaptions, 1)
        XCTAssertEqual(Set(dataset.galleryImage(2).pixels), [Float(250) / 255], "the absolute path's image")
    }

    func testLinesNamingMissingFilesOrWithoutATabAreReported() throws {
        let scratch = try Scratch()
        try scratch.image("data/a.png")
        try scratch.image("data/b.png")
        try scratch.write("data/sub/notes.txt", text: "a folder, not an image\n")
        try scratch.write(
            "data/list.tsv", text: "a.png\tone\nmissing.png\ttwo\nb.png three\nb.png\tthree\nsub/\tfour\n./\tfive\n")
        let dataset = try scratch.open("tsv:\(scratch.path("data/list.tsv"))")
        XCTAssertEqual(
            dataset.reportLines,
            [
                "list.tsv line 3: no tab between the image path and the caption",
                "list.tsv line 6: the image path \"./\" names no file",
                "missing.png: does not exist (looked for \(scratch.path("data"))/missing.png)",
                "sub: is a folder, not an image file",
            ])
        XCTAssertEqual(dataset.count, 2)
        XCTAssertEqual(dataset.report.skipped, 4)
        XCTAssertEqual(dataset.report.entries, 6)
    }

    func testAFileThatIsNotUTF8OrMissingStopsLoadingNamingIt() throws {
        let scratch = try Scratch()
        try scratch.write("list.tsv", Array("a.png\tna".utf8) + [0xC3, 0x28] + Array("ve\n".utf8))
        XCTAssertEqual(
            scratch.failure("tsv:\(scratch.path("list.tsv"))"),
            "\(scratch.path("list.tsv")) is not UTF-8 text (invalid byte at offset 8)")
        XCTAssertEqual(
            scratch.failure("tsv:\(scratch.path("none.tsv"))"), "\(scratch.path("none.tsv")) cannot be read")
    }
}
