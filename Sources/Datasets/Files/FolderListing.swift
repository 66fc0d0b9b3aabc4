import Foundation

/// `folder:DIR`: every `.png`, `.jpg` and `.jpeg` under DIR, recursively, in sorted path
/// order; captions from `NAME.txt` beside each image (one a line) and from `DIR/captions.tsv`
/// (`relative/path<TAB>caption`, several lines per image allowed).
enum FolderListing {
    static func read(_ directory: String, report: inout LoadReport) throws -> [ListedImage] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
        else { throw DatasetError("\(directory) is not a folder") }
        guard let walker = FileManager.default.enumerator(atPath: directory) else {
            throw DatasetError("\(directory) cannot be read")
        }
        var names: [String] = []
        var textFiles = Set<String>()
        while let name = walker.nextObject() as? String {
            if ImageListing.isImage(name) {
                names.append(name)
            } else if name.lowercased().hasSuffix(".txt") {
                textFiles.insert(name)
            }
        }
        // Byte order of the UTF-8 paths: the same on every machine and locale.
        names.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let root = directory.hasSuffix("/") ? directory : directory + "/"

        var tableCaptions: [String: [String]] = [:]
        let tablePath = root + "captions.tsv"
        if FileManager.default.fileExists(atPath: tablePath) {
            switch ImageListing.readText(tablePath) {
            case .failure(let why):
                throw DatasetError("\(tablePath) \(why.message)")
            case .success(let text):
                let known = Set(names)
                for row in ImageListing.tabSeparated(text, file: "captions.tsv", report: &report) {
                    guard known.contains(row.path) else {
                        report.entries += 1
                        report.skip("captions.tsv line \(row.line)", "no image \(row.path) in the folder")
                        continue
                    }
                    tableCaptions[row.path, default: []].append(row.caption)
                }
            }
        }

        var images: [ListedImage] = []
        for name in names {
            report.entries += 1
            var captions: [String] = []
            for caption in tableCaptions[name] ?? [] {
                ImageListing.add(caption, to: &captions, report: &report)
            }
            let stem = (name as NSString).deletingPathExtension + ".txt"
            let textName = textFiles.contains(stem) ? stem : textFiles.first { $0.lowercased() == stem.lowercased() }
            if let textName {
                switch ImageListing.readText(root + textName) {
                case .failure(let why):
                    report.note(textName, "\(why.message); its captions are not used")
                case .success(let text):
                    for caption in ImageListing.captionLines(text) {
                        ImageListing.add(caption, to: &captions, report: &report)
                    }
                }
            }
            guard !captions.isEmpty else {
                report.skip(
                    name,
                    "no caption (no \((stem as NSString).lastPathComponent) beside it and no line in captions.tsv)")
                continue
            }
            images.append(ListedImage(path: root + name, name: name, captions: captions))
        }
        return images
    }
}
