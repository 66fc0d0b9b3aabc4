import Foundation
import TestSupport
import XCTest

@testable import Datasets

/// `folder:DIR`: images with NAME.txt beside them, or `captions.tsv`, and what each bad
/// caption file or table line becomes in the report.
final class FolderReaderTests: XCTestCase {
    func testCaptionFilesLoseTheirBOMCarriageReturnsAndBlankLines() throws {
        let scratch = try Scratch()
        try scratch.image("set/a.png")
        try scratch.write("set/a.txt", [0xEF, 0xBB, 0xBF] + Array("a grey square\r\n\r\n   a square  \r\n\n\n".utf8))
        try scratch.image("set/b.png", captions: ["a lighter square"])
        let dataset = try scratch.open("folder:\(scratch.path("set"))")
        XCTAssertEqual(dataset.captionsByFile, ["a.png": ["a grey square", "a square"], "b.png": ["a lighter square"]])
        XCTAssertEqual(dataset.reportLines, [])
        XCTAssertEqual(dataset.report.skipped, 0)
        XCTAssertEqual(dataset.report.entries, 2)
    }

    func testACaptionFileThatIsNotUTF8IsReportedAndItsImageSkipped() throws {
        let scratch = try Scratch()
        try scratch.image("set/a.png", captions: ["a square"])
        try scratch.image("set/b.png", captions: ["another square"])
        try scratch.image("set/c.png")
        try scratch.write("set/c.txt", Array("caf".utf8) + [0xE9] + Array(" noir\n".utf8))  // Latin-1 é
        let dataset = try scratch.open("folder:\(scratch.path("set"))")
        XCTAssertEqual(
            dataset.reportLines,
            [
                "c.txt: is not UTF-8 text (invalid byte at offset 3); its captions are not used",
                "c.png: no caption (c.txt has no usable caption line and no line in captions.tsv)",
            ])
        XCTAssertEqual(dataset.count, 2)
        XCTAssertEqual(dataset.report.skipped, 1)
    }

    func testImagesWithoutCaptionsAreSkippedOneLineEach() throws {
        let scratch = try Scratch()
        try scratch.image("set/a.png", captions: ["a square"])
        try scratch.image("set/b.png", captions: ["another square"])
        try scratch.image("set/sub/c.png")
        try scratch.image("set/d.png")
        try scratch.write("set/d.txt", text: "\n  \r\n\t\n")
        let dataset = try scratch.open("folder:\(scratch.path("set"))")
        XCTAssertEqual(
            dataset.reportLines,
            [
                "d.png: no caption (d.txt has no usable caption line and no line in captions.tsv)",
                "sub/c.png: no caption (no c.txt beside it and no line in captions.tsv)",
            ])
        XCTAssertEqual(dataset.report.skipped, 2)
        XCTAssertEqual(dataset.report.entries, 4)
    }

    /// A caption file whose name differs from its image's only in case is still its own.
    func testACaptionFileMatchesItsImageWhateverTheCase() throws {
        let scratch = try Scratch()
        try scratch.image("set/Photo.PNG")
        try scratch.write("set/photo.txt", text: "a photo\n")
        try scratch.image("set/b.png", captions: ["a square"])
        let dataset = try scratch.open("folder:\(scratch.path("set"))")
        XCTAssertEqual(dataset.captionsByFile, ["Photo.PNG": ["a photo"], "b.png": ["a square"]])
    }

    func testCaptionTableLinesThatNameNoImageHaveNoTabOrRepeatAreReported() throws {
        let scratch = try Scratch()
        try scratch.image("set/a.png")
        try scratch.image("set/b.png")
        try scratch.image("set/sub/c.png")
        try scratch.write(
            "set/captions.tsv",
            text: [
                "path\tcaption",  // 1: a header
                "a.png\ta cat",  // 2
                "missing.png\ta dog",  // 3: no such image
                "a.png a cat without a tab",  // 4
                "a.png\ta cat",  // 5: the same line again
                "b.png\t   ",  // 6: an empty caption
                "",  // 7: blank
                "b.png\ta bird\tignored third column",  // 8
                "./b.png\ta small bird",  // 9: the same image by another spelling
                "sub//c.png\ta cow",  // 10
                "\tan image without a path",  // 11
            ].joined(separator: "\r\n") + "\r\n")
        let dataset = try scratch.open("folder:\(scratch.path("set"))")
        XCTAssertEqual(
            dataset.reportLines,
            [
                "captions.tsv line 3: no image missing.png in the folder",
                "captions.tsv line 4: no tab between the image path and the caption",
                "captions.tsv line 6: the caption is empty; line ignored",
                "captions.tsv line 11: the image path is empty",
            ])
        XCTAssertEqual(
            dataset.captionsByFile, ["a.png": ["a cat"], "b.png": ["a bird", "a small bird"], "sub/c.png": ["a cow"]])
        XCTAssertEqual(dataset.report.duplicateCaptions, 1)
        XCTAssertEqual(dataset.report.skipped, 3)
        XCTAssertEqual(dataset.report.entries, 6, "3 images and 3 lines that name none")
    }

    /// A caption in both the table and the caption file is kept once, the table's first.
    func testTheTableAndCaptionFilesAddUp() throws {
        let scratch = try Scratch()
        try scratch.image("set/a.png", captions: ["from the file", "in both"])
        try scratch.image("set/b.png", captions: ["only a file"])
        try scratch.write("set/captions.tsv", text: "a.png\tin both\na.png\tfrom the table\n")
        let dataset = try scratch.open("folder:\(scratch.path("set"))")
        XCTAssertEqual(dataset.captions(of: 0), ["in both", "from the table", "from the file"])
        XCTAssertEqual(dataset.report.duplicateCaptions, 1)
        XCTAssertEqual(dataset.reportLines, [])
    }

    func testACaptionTableThatIsNotUTF8StopsLoadingNamingIt() throws {
        let scratch = try Scratch()
        try scratch.image("set/a.png")
        try scratch.image("set/b.png")
        try scratch.write("set/captions.tsv", Array("a.png\tok\nb.png\t".utf8) + [0xFF, 0xFE] + Array("\n".utf8))
        XCTAssertEqual(
            scratch.failure("folder:\(scratch.path("set"))"),
            "\(scratch.path("set"))/captions.tsv is not UTF-8 text (invalid byte at offset 15)")
    }

    func testAFolderThatIsNotThereOrIsAFile() throws {
        let scratch = try Scratch()
        XCTAssertEqual(
            scratch.failure("folder:\(scratch.path("nowhere"))"), "\(scratch.path("nowhere")) is not a folder")
        try scratch.write("file", text: "x")
        XCTAssertEqual(scratch.failure("folder:\(scratch.path("file"))"), "\(scratch.path("file")) is not a folder")
    }

    func testAFolderWithFewerThanTwoUsableImagesNamesTheFirstProblem() throws {
        let scratch = try Scratch()
        try scratch.image("set/a.png", captions: ["a square"])
        try scratch.image("set/b.png")
        XCTAssertEqual(
            scratch.failure("folder:\(scratch.path("set"))"),
            "folder:\(scratch.path("set")): 1 usable image; a dataset needs at least 2 "
                + "(first problem: b.png: no caption (no b.txt beside it and no line in captions.tsv))")
    }
}
