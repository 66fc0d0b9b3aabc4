import Datasets
import Foundation
import NanoVLM

/// Where the served weights came from (docs/API.md, `GET /v1/model`).
public struct Provenance: Sendable {
    public enum Source: String, Sendable {
        case trainedAtStartup = "trained at start-up"
        case loadedFromFile = "loaded from file"
    }

    public var source: Source
    /// The weights file: written after training, or read.
    public var path: String
    /// SHA-256 of the file's bytes; nil when training could not save the file.
    public var sha256: String?
    /// The training settings recorded with the weights (nil for a file without them).
    public var training: TrainingConfiguration?
    public var summary: TrainingSummary?
    /// Evaluation metrics: from the file's metadata, else computed when loaded.
    public var metrics: EvaluationReport
}

/// A model ready to serve: the index with both embedding tables, its provenance and the
/// self-test figure. Immutable, so a request that took it keeps using it across a reload.
public final class LoadedModel: Sendable {
    public let index: RetrievalIndex
    public let provenance: Provenance
    /// Image → text R@1 of the gallery images among all captions.
    public let galleryR1: Double
    /// The train/validation split the model was trained with.
    public let split: Split
    /// Text → image search bodies of this model (`server.search_cache_entries`).
    let searchCache: SearchCache
    /// The PNGs `/v1/images/{id}.png` sends for the model's dataset.
    let gallery: GalleryImages
    /// What `/v1/classify` reads a scene with, for the scenes set.
    let sceneReader: SceneReader?

    /// - Parameter maxImageSide: the longest side of a file dataset's pictures as the gallery
    ///   sends them (`server.max_image_side`).
    public init(
        index: RetrievalIndex, provenance: Provenance, galleryR1: Double, split: Split, searchCacheEntries: Int = 0,
        maxImageSide: Int = ServerSettings().maxImageSide
    ) {
        self.index = index
        self.provenance = provenance
        self.galleryR1 = galleryR1
        self.split = split
        self.searchCache = SearchCache(capacity: searchCacheEntries)
        self.gallery = GalleryImages(index.dataset, maxSide: maxImageSide)
        sceneReader = index.dataset is ScenesDataset ? SceneReader(index: index) : nil
    }

    public var dataset: any Dataset { index.dataset }

    /// The evaluation metrics computed from the served weights, once: the model never
    /// changes, and for the scenes set one evaluation draws 10,000 robustness renders.
    public var evaluation: EvaluationReport {
        evaluationLock.withLock {
            if let evaluated { return evaluated }
            let report = Evaluator.evaluate(index.model, dataset: dataset, split: split)
            evaluated = report
            return report
        }
    }
    private let evaluationLock = NSLock()
    nonisolated(unsafe) private var evaluated: EvaluationReport?
}
