import Foundation

/// `tsv:FILE`: lines `path<TAB>caption`, paths relative to the file's folder, several lines
/// per image allowed; images in the order they first appear.
enum TSVListing {
    static func read(_ file: String, report: inout LoadReport) throws -> [ListedImage] {
        let text: String
        switch ImageListing.readText(file) {
        case .failure(let why): throw DatasetError("\(file) \(why.message)")
        case .success(let t): text = t
        }
        let folder = (file as NSString).deletingLastPathComponent
        let base = folder.isEmpty ? "" : folder + "/"
        let fileName = (file as NSString).lastPathComponent
        var order: [String] = []
        var captions: [String: [String]] = [:]
        for row in ImageListing.tabSeparated(text, file: fileName, report: &report) {
            if captions[row.path] == nil {
                order.append(row.path)
                captions[row.path] = []
            }
            ImageListing.add(row.caption, to: &captions[row.path, default: []], report: &report)
        }
        report.entries += order.count
        return order.map { name in
            let path = name.hasPrefix("/") ? name : base + name
            return ListedImage(path: path, name: name, captions: captions[name] ?? [])
        }
    }
}
