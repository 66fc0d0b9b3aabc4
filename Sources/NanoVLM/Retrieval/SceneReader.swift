import Datasets
import ImageIO

/// Reads a scene back from an image (`/v1/classify` on the scenes set): every caption the
/// grammar can say — 27 · 26 ordered type pairs × 4 relations — is ranked against the image;
/// the best names the two objects and their relation. The cells come from the model too:
/// each placement of those two objects for which the caption is true is drawn canonically,
/// and the drawing the model finds nearest the image gives them.
public final class SceneReader: Sendable {
    public struct Reading: Sendable {
        /// The best captions, best first, with softmax(score / τ) over all captions.
        public let captions: [(caption: SceneCaption, probability: Float)]
        /// The two objects, in reading order, with the cells of the nearest placement.
        public let objects: [SceneObject]
        /// How the first-named object stands to the second.
        public var relation: Relation { captions[0].caption.relation }
    }

    let index: RetrievalIndex
    public let captions: [SceneCaption]
    let embeddings: [Float]

    public init(index: RetrievalIndex) {
        self.index = index
        captions = ObjectType.all.flatMap { a in
            ObjectType.all.filter { $0 != a }.flatMap { b in Relation.allCases.map { SceneCaption(a, $0, b) } }
        }
        embeddings = index.embed(texts: captions.map(ScenesVocabulary.tokens(of:)))
    }

    public func read(image: RGBImage, top: Int = 5) -> Reading {
        let query = index.embed(image: image)
        let ranked = index.rank(index.scores(query: query, candidates: embeddings), k: top)
        let best = captions[ranked[0].index]
        let placements = Position.allCases.flatMap { a in
            Position.allCases.filter { $0 != a && best.relation.holds(a, $0) }.map {
                Scene(SceneObject(best.subject, a), SceneObject(best.object, $0))
            }
        }
        let drawn = index.model.embed(images: placements.map { SceneRenderer.render($0) })
        let nearest = index.rank(index.scores(query: query, candidates: drawn), k: 1)[0].index
        return Reading(
            captions: ranked.map { (captions[$0.index], $0.probability) }, objects: placements[nearest].objects)
    }
}
