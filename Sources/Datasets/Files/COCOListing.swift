import Foundation
import JSON

/// `coco:FILE.json`: the COCO captions format, `images[]` (`id`, `file_name`) and
/// `annotations[]` (`image_id`, `caption`); images in ascending `id`, files relative to
/// `imagesDirectory` (default: the JSON file's folder).
enum COCOListing {
    static func read(_ file: String, imagesDirectory: String, report: inout LoadReport) throws -> [ListedImage] {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw DatasetError("\(file) cannot be read (does it exist?)")
        }
        let folder = imagesDirectory.isEmpty ? (file as NSString).deletingLastPathComponent : imagesDirectory
        let base = folder.isEmpty ? "" : (folder.hasSuffix("/") ? folder : folder + "/")
        return try parse([UInt8](data), file: file, base: base, report: &report)
    }

    /// The images and captions of a COCO captions document; `file` names it in errors and
    /// the report, relative `file_name`s are under `base` (empty, or ending in a slash).
    static func parse(_ bytes: [UInt8], file: String, base: String, report: inout LoadReport) throws
        -> [ListedImage]
    {
        let document: JSONValue
        do {
            document = try JSONValue.parse(bytes)
        } catch let error as JSONParseError {
            let (line, column) = position(of: error.offset, in: bytes)
            throw DatasetError("\(file) line \(line) column \(column): \(error.message)")
        }
        func fail(_ path: String, _ why: String) -> DatasetError { DatasetError("\(file): \(path) \(why)") }
        guard case .object(let root) = document else { throw fail("the document", "must be an object") }
        guard case .array(let images)? = root["images"] else {
            throw fail("images", root["images"] == nil ? "is missing" : "must be an array")
        }
        guard case .array(let annotations)? = root["annotations"] else {
            throw fail("annotations", root["annotations"] == nil ? "is missing" : "must be an array")
        }
        let fileName = (file as NSString).lastPathComponent

        var byID: [Int: ListedImage] = [:]
        for (index, value) in images.enumerated() {
            let place = "images[\(index)]"
            report.entries += 1
            guard case .object(let image) = value else {
                report.skip(fileName, "\(place) must be an object (got \(value.kindDescription))")
                continue
            }
            guard case .number(let number)? = image["id"], let id = number.integer else {
                report.skip(
                    fileName, "\(place).id must be an integer (got \(image["id"]?.kindDescription ?? "nothing"))")
                continue
            }
            guard case .string(let name)? = image["file_name"], !name.isEmpty else {
                report.skip(
                    fileName,
                    "\(place).file_name must be a file name (got \(image["file_name"]?.kindDescription ?? "nothing"))")
                continue
            }
            guard byID[id] == nil else {
                report.skip(fileName, "\(place).id \(id) repeats an earlier image's id; this one is skipped")
                continue
            }
            let path = name.hasPrefix("/") ? name : base + name
            byID[id] = ListedImage(path: path, name: name, captions: [])
        }
        for (index, value) in annotations.enumerated() {
            let place = "annotations[\(index)]"
            guard case .object(let annotation) = value else {
                report.entries += 1
                report.skip(fileName, "\(place) must be an object (got \(value.kindDescription))")
                continue
            }
            guard case .number(let number)? = annotation["image_id"], let id = number.integer else {
                report.entries += 1
                report.skip(
                    fileName,
                    "\(place).image_id must be an integer (got \(annotation["image_id"]?.kindDescription ?? "nothing"))"
                )
                continue
            }
            guard case .string(let raw)? = annotation["caption"] else {
                report.note(fileName, "\(place).caption must be a string; annotation ignored")
                continue
            }
            let caption = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard byID[id] != nil else {
                report.entries += 1
                report.skip(fileName, "\(place).image_id \(id) is not the id of any image")
                continue
            }
            guard !caption.isEmpty else {
                report.note(fileName, "\(place).caption is empty; annotation ignored")
                continue
            }
            ImageListing.add(
                caption, to: &byID[id, default: ListedImage(path: "", name: "", captions: [])].captions, report: &report
            )
        }
        var listed: [ListedImage] = []
        for id in byID.keys.sorted() {
            guard let image = byID[id] else { continue }
            guard !image.captions.isEmpty else {
                report.skip(image.name, "no caption (no annotation with image_id \(id))")
                continue
            }
            listed.append(image)
        }
        return listed
    }

    /// 1-based line and column (in bytes) of a byte offset.
    static func position(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1, column = 1
        for byte in bytes.prefix(offset) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }
}
