import ImageIO
import JSON
import NanoTensor

/// The synthetic shapes set as a `Dataset`: 243 pairs of one filled shape on black, named
/// `<colour> <shape> <position>`; the gallery is the canonical renders, training draws
/// augmented renders, and five perturbed render sets measure robustness.
public struct ShapesDataset: Dataset {
    public init() {}

    public var name: String { "shapes" }
    public var count: Int { Shapes.count }
    public func caption(of id: Int) -> String { Shapes.pairs[id].caption }
    public func captionTokens(of id: Int) -> [Int] { Shapes.pairs[id].tokens }
    public var vocabulary: Vocabulary { ShapesVocabulary.vocabulary }
    public func parse(query: String) throws -> ParsedQuery { try ShapesQueryParser.parse(query) }
    public func split(seed: UInt64) -> Split { Shapes.split(seed: seed) }
    public func galleryImage(_ id: Int) -> RGBImage { Renderer.canonicalImages[id] }
    /// The grammar is `<colour> <shape> <position>`: the 243 captions.
    public func isGrammatical(_ tokens: [Int]) -> Bool? { Self.captionSet.contains(tokens) }
    private static let captionSet = Set(Shapes.pairs.map(\.tokens))

    public func augmentedImage(of id: Int, using rng: inout SeededRandom) -> RGBImage {
        Renderer.render(Shapes.pairs[id], style: Augmentation.randomStyle(using: &rng))
    }

    public var robustnessSets: [RobustnessSet] {
        Perturbation.allCases.map { RobustnessSet(name: $0.rawValue, images: Robustness.renders($0)) }
    }

    public var attributes: [Attribute] {
        [
            Attribute(name: "colour", words: Colour.allCases.map(\.name)),
            Attribute(name: "shape", words: Shape.allCases.map(\.name)),
            Attribute(name: "position", words: Position.allCases.map(\.name)),
        ]
    }

    public func fields(of id: Int) -> [(name: String, value: JSONValue)] {
        let pair = Shapes.pairs[id]
        return [
            ("colour", .string(pair.colour.name)), ("shape", .string(pair.shape.name)),
            ("position", .string(pair.position.name)),
        ]
    }
}
