// libFuzzer target: the dataset file readers' parsers, each fed the same bytes — as a
// NAME.txt caption file, as a folder's captions.tsv, as a tsv: file and as a COCO captions
// document — checking what they accept and how they count and place what they refuse.
@testable import Datasets

func fuzzDatasets(_ bytes: [UInt8]) {
    // The lines a table can have: one more than its line breaks (CRLF counting as one).
    let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
    let lines = 1 + (String(validating: body, as: UTF8.self)?.count(where: \.isNewline) ?? 0)

    switch FolderListing.captionFile(bytes) {
    case .success(let captions):
        for caption in captions { checkCaption(caption, "caption file") }
    case .failure(let error):
        checkUTF8Failure(error.message, bytes)
    }

    let images: Set<String> = ["a.png", "b/c.png", "d.jpg"]
    var report = LoadReport()
    do {
        let table = try FolderListing.captionTable(bytes, images: images, report: &report)
        for (path, captions) in table {
            guard images.contains(path) else { fatalError("captions.tsv gave captions to \(path), not an image") }
            for caption in captions { checkCaption(caption, "captions.tsv") }
        }
        checkLines(report, file: "captions.tsv", lines: lines)
    } catch let error as DatasetError {
        checkUTF8Failure(error.message, bytes)
    } catch {
        fatalError("captions.tsv: unexpected error type: \(error)")
    }

    report = LoadReport()
    do {
        let listed = try TSVListing.parse(bytes, file: "list.tsv", folder: "/data/", report: &report)
        guard Set(listed.map(\.name)).count == listed.count else { fatalError("tsv: an image listed twice") }
        for image in listed {
            guard !image.name.isEmpty, image.path.hasPrefix("/"), !image.captions.isEmpty,
                Set(image.captions).count == image.captions.count
            else { fatalError("tsv: bad listing \(image)") }
            for caption in image.captions { checkCaption(caption, "tsv") }
        }
        // Every image is an entry, and so is every line skipped.
        guard report.entries == listed.count + report.skipped else {
            fatalError("tsv: \(report.entries) entries for \(listed.count) images and \(report.skipped) skipped lines")
        }
        checkLines(report, file: "list.tsv", lines: lines)
    } catch let error as DatasetError {
        checkUTF8Failure(error.message, bytes)
    } catch {
        fatalError("tsv: unexpected error type: \(error)")
    }

    report = LoadReport()
    do {
        let listed = try COCOListing.parse(bytes, file: "captions.json", base: "/data/", report: &report)
        for image in listed {
            guard !image.name.isEmpty, !image.captions.isEmpty, Set(image.captions).count == image.captions.count else {
                fatalError("coco: bad listing \(image)")
            }
            for caption in image.captions { checkCaption(caption, "coco") }
        }
        guard report.skipped <= report.entries, listed.count <= report.entries else {
            fatalError("coco: \(report.skipped) skipped and \(listed.count) listed of \(report.entries) entries")
        }
        _ = try? report.check(maxSkippedFraction: 0.5, source: "coco:captions.json")
    } catch let error as DatasetError {
        // A document that is not JSON names the line and column; anything else, its place.
        if let range = error.message.range(of: "captions.json line ") {
            let place = error.message[range.upperBound...].split(separator: " ")
            guard place.count >= 3, let line = Int(place[0]), place[1] == "column", let column = Int(place[2].dropLast()),
                line >= 1, line <= 1 + bytes.count(where: { $0 == UInt8(ascii: "\n") }), column >= 1,
                column <= bytes.count + 1
            else { fatalError("coco: a parse error without a valid position: \(error.message)") }
        } else if !error.message.hasPrefix("captions.json: ") {
            fatalError("coco: an error that names no place: \(error.message)")
        }
    } catch {
        fatalError("coco: unexpected error type: \(error)")
    }
}

/// A kept caption: words in it, trimmed, on one line.
private func checkCaption(_ caption: String, _ reader: String) {
    guard !caption.isEmpty, caption == caption.trimmingCharacters(in: .whitespaces),
        !caption.contains(where: \.isNewline)
    else { fatalError("\(reader): kept the caption \(Array(caption.utf8))") }
}

/// A refusal of text that is not UTF-8 names an offset whose prefix is valid UTF-8.
private func checkUTF8Failure(_ message: String, _ bytes: [UInt8]) {
    let prefix = "is not UTF-8 text (invalid byte at offset "
    guard message.hasPrefix(prefix), message.hasSuffix(")"), let offset = Int(message.dropFirst(prefix.count).dropLast())
    else { fatalError("unexpected refusal: \(message)") }
    let text = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
    guard offset < text.count, String(validating: text[..<offset], as: UTF8.self) != nil,
        String(validating: text, as: UTF8.self) == nil
    else { fatalError("offset \(offset) is not the first invalid byte of \(text.count)") }
}

/// Report lines of a table name `file line N` for lines that exist, in line order.
private func checkLines(_ report: LoadReport, file: String, lines: Int) {
    guard report.skipped <= report.entries else { fatalError("\(file): more skipped than entries") }
    var last = 0
    for line in report.lines {
        guard line.file.hasPrefix("\(file) line "), let number = Int(line.file.dropFirst(file.count + 6)),
            number >= 1, number <= lines, number > last
        else { fatalError("\(file): report line \(line) out of place (after line \(last) of at most \(lines))") }
        last = number
    }
}
