import Foundation

/// `tsv:FILE`: lines `path<TAB>caption`, paths relative to the file's folder, several lines
/// per image allowed; images in the order they first appear.
enum TSVListing {
    static func read(_ file: String, report: inout LoadReport) throws -> [ListedImage] {
        let folder = (file as NSString).deletingLastPathComponent
        do {
            let bytes = try ImageListing.readBytes(file).get()
            return try parse(
                bytes, file: (file as NSString).lastPathComponent, folder: folder.isEmpty ? "" : folder + "/",
                report: &report)
        } catch let why as DatasetError {
            throw DatasetError("\(file) \(why.message)")
        }
    }

    /// The images and captions a tsv: file's bytes list; `file` names it in the report,
    /// relative paths are under `folder` (empty, or ending in a slash).
    static func parse(_ bytes: [UInt8], file: String, folder: String, report: inout LoadReport) throws
        -> [ListedImage]
    {
        let text = try ImageListing.text(bytes).get()
        var order: [String] = []
        var captions: [String: [String]] = [:]
        for row in ImageListing.tabSeparated(text, file: file, report: &report) {
            if captions[row.path] == nil {
                order.append(row.path)
                captions[row.path] = []
            }
            ImageListing.add(row.caption, to: &captions[row.path, default: []], report: &report)
        }
        report.entries += order.count
        return order.map { name in
            let path = name.hasPrefix("/") ? name : folder + name
            return ListedImage(path: path, name: name, captions: captions[name] ?? [])
        }
    }
}
