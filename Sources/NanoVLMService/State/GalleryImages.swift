import Datasets
import Digest
import Foundation
import ImageIO
import JSON

/// One image as `GET /v1/images/{id}.png` sends it.
struct GalleryPNG: Sendable {
    let bytes: [UInt8]
    /// A strong entity tag: a quoted prefix of the bytes' SHA-256.
    let etag: String

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        etag = "\"" + String(SHA256.hex(bytes).prefix(32)) + "\""
    }
}

/// Why an item's picture cannot be sent although its id is valid: its source file went
/// away or stopped decoding after the dataset was opened. Not the client's doing.
struct GalleryImageUnavailable: Error, CustomStringConvertible {
    let id: Int
    /// The item's file relative to the dataset, when it has one.
    let file: String?
    let reason: String

    var description: String { "Image \(id)\(file.map { " (\($0))" } ?? "") cannot be sent; its file: \(reason)" }
}

/// The PNGs of one dataset's items for `GET /v1/images/{id}.png`.
///
/// A generated set (no files behind it) is encoded whole on first use: its pictures are
/// model-sized, few and never change, so every later request is a lookup. A file dataset's
/// pictures are decoded from their source files on request, scaled so the longest side is at
/// most `maxSide`; the most recently sent are kept up to `budgetBytes`, so paging back and forth
/// through a gallery does not decode the same files again, while a large gallery cannot fill
/// memory.
final class GalleryImages: @unchecked Sendable {
    /// Encoded bytes a file dataset's cache holds at most.
    static let defaultBudgetBytes = 8 << 20

    let dataset: any Dataset
    let maxSide: Int
    let budgetBytes: Int
    /// Whether the pictures are read from files (else generated and encoded once).
    let readsFiles: Bool

    private let lock = NSLock()
    private var encoded: [GalleryPNG?]?
    private var recent: [Int: (png: GalleryPNG, used: UInt64)] = [:]
    private var recentBytes = 0
    private var clock: UInt64 = 0

    init(_ dataset: any Dataset, maxSide: Int, budgetBytes: Int = GalleryImages.defaultBudgetBytes) {
        self.dataset = dataset
        self.maxSide = maxSide
        self.budgetBytes = budgetBytes
        readsFiles = dataset.digest != nil
    }

    var count: Int { dataset.count }

    /// Entries and bytes the file cache holds now.
    var cached: (entries: Int, bytes: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (recent.count, recentBytes)
    }

    /// The PNG of item `id` (0..<count).
    /// - Throws: `GalleryImageUnavailable` when its picture cannot be read or encoded.
    func png(_ id: Int) throws -> GalleryPNG {
        precondition(dataset.ids.contains(id), "gallery id \(id) out of range")
        return readsFiles ? try fromFile(id) : try generated(id)
    }

    private func generated(_ id: Int) throws -> GalleryPNG {
        lock.lock()
        if encoded == nil {
            // Encoded under the lock: concurrent first requests wait for one encoding pass
            // instead of each making their own.
            encoded = dataset.ids.map { try? GalleryPNG(PNGCodec.encode(dataset.galleryImage($0))) }
        }
        let png = encoded?[id]
        lock.unlock()
        guard let png else { throw unavailable(id, "the PNG encoder refused the picture") }
        return png
    }

    private func fromFile(_ id: Int) throws -> GalleryPNG {
        lock.lock()
        clock += 1
        if let hit = recent[id] {
            recent[id] = (hit.png, clock)
            lock.unlock()
            return hit.png
        }
        lock.unlock()

        // Decoded outside the lock: a slow file holds up no other request.
        let png: GalleryPNG
        do {
            png = GalleryPNG(try PNGCodec.encode(dataset.displayImage(of: id, maxSide: maxSide)))
        } catch {
            throw unavailable(id, "\(error)")
        }
        guard png.bytes.count <= budgetBytes else { return png }
        lock.lock()
        defer { lock.unlock() }
        clock += 1
        if let old = recent.updateValue((png, clock), forKey: id) { recentBytes -= old.png.bytes.count }
        recentBytes += png.bytes.count
        while recentBytes > budgetBytes, let oldest = recent.min(by: { $0.value.used < $1.value.used }) {
            recent[oldest.key] = nil
            recentBytes -= oldest.value.png.bytes.count
        }
        return png
    }

    private func unavailable(_ id: Int, _ reason: String) -> GalleryImageUnavailable {
        var file: String?
        if case .string(let name)? = dataset.fields(of: id).first(where: { $0.name == "file" })?.value { file = name }
        return GalleryImageUnavailable(id: id, file: file, reason: reason)
    }
}
