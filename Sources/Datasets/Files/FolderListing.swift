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
            do {
                let bytes = try ImageListing.readBytes(tablePath).get()
                tableCaptions = try captionTable(bytes, images: Set(names), report: &report)
            } catch let why as DatasetError {
                throw DatasetError("\(tablePath) \(why.message)")
            }
        }
        // Case-insensitive matches of caption files, for images whose exact NAME.txt is absent.
        var textFilesByLowercase: [String: String] = [:]
        for name in textFiles.sorted() where textFilesByLowercase[name.lowercased()] == nil {
            textFilesByLowercase[name.lowercased()] = name
        }

        var images: [ListedImage] = []
        for name in names {
            report.entries += 1
            var captions: [String] = []
            for caption in tableCaptions[name] ?? [] {
                ImageListing.add(caption, to: &captions, report: &report)
            }
            let stem = (name as NSString).deletingPathExtension + ".txt"
            let textName = textFiles.contains(stem) ? stem : textFilesByLowercase[stem.lowercased()]
            if let textName {
                switch ImageListing.readBytes(root + textName).flatMap(captionFile) {
                case .failure(let why):
                    report.note(textName, "\(why.message); its captions are not used")
                case .success(let lines):
                    for caption in lines { ImageListing.add(caption, to: &captions, report: &report) }
                }
            }
            guard !captions.isEmpty else {
                let text = (textName ?? stem) as NSString
                let beside =
                    textName == nil
                    ? "no \(text.lastPathComponent) beside it" : "\(text.lastPathComponent) has no usable caption line"
                report.skip(name, "no caption (\(beside) and no line in captions.tsv)")
                continue
            }
            images.append(ListedImage(path: root + name, name: name, captions: captions))
        }
        return images
    }

    /// `captions.tsv`'s captions by image name; lines naming an image that is not in `images`
    /// are skipped and reported. Throws when the bytes are not UTF-8 text.
    static func captionTable(_ bytes: [UInt8], images: Set<String>, report: inout LoadReport) throws -> [String:
        [String]]
    {
        let text = try ImageListing.text(bytes).get()
        var captions: [String: [String]] = [:]
        let rows = ImageListing.tabSeparated(text, file: "captions.tsv", report: &report) { path in
            images.contains(path) ? nil : "no image \(path) in the folder"
        }
        for row in rows { captions[row.path, default: []].append(row.caption) }
        return captions
    }

    /// The captions of a `NAME.txt` file, one a line, or why it has none.
    static func captionFile(_ bytes: [UInt8]) -> Result<[String], DatasetError> {
        ImageListing.text(bytes).map(ImageListing.captionLines)
    }
}
