import NanoTensor

/// One image–caption pair of the dataset.
public struct Pair: Sendable, Equatable {
    /// colour·27 + shape·9 + position (0…242).
    public let id: Int
    public let colour: Colour
    public let shape: Shape
    public let position: Position

    public init(colour: Colour, shape: Shape, position: Position) {
        self.colour = colour
        self.shape = shape
        self.position = position
        self.id = colour.rawValue * 27 + shape.rawValue * 9 + position.rawValue
    }

    /// The pair with this id, or nil outside 0..<243.
    public init?(id: Int) {
        guard (0..<Shapes.count).contains(id),
            let colour = Colour(rawValue: id / 27),
            let shape = Shape(rawValue: (id / 9) % 3),
            let position = Position(rawValue: id % 9)
        else { return nil }
        self.init(colour: colour, shape: shape, position: position)
    }

    /// `<colour> <shape> <position>`, e.g. "pink circle top".
    public var caption: String { "\(colour.name) \(shape.name) \(position.name)" }

    /// Vocabulary indices of the caption's three words (no `[CLS]`).
    public var tokens: [Int] {
        [
            ShapesVocabulary.colourOffset + colour.rawValue,
            ShapesVocabulary.shapeOffset + shape.rawValue,
            ShapesVocabulary.positionOffset + position.rawValue,
        ]
    }
}

/// The synthetic dataset: 9 colours × 3 shapes × 9 positions = 243 pairs.
public enum Shapes {
    public static let count = Colour.allCases.count * Shape.allCases.count * Position.allCases.count

    /// Number of training ids in every split (80 %); the remaining 49 are validation.
    public static let trainCount = 194

    /// All pairs, indexed by id.
    public static let pairs: [Pair] = Colour.allCases.flatMap { colour in
        Shape.allCases.flatMap { shape in
            Position.allCases.map { Pair(colour: colour, shape: shape, position: $0) }
        }
    }

    /// The train/validation split for a seed (docs/MODEL.md; default seed 0).
    ///
    /// Algorithm, reproducible in any language with the SplitMix64 generator documented on
    /// `SeededRandom`:
    ///
    ///     ids = [0, 1, …, 242]
    ///     rng = SeededRandom(seed)
    ///     for i in 242 down to 1:                 // Fisher–Yates, from the last element down
    ///         j = rng.next() mod (i + 1)
    ///         swap(ids[i], ids[j])
    ///     train      = sorted(ids[0 ..< 194])
    ///     validation = sorted(ids[194 ..< 243])
    public static func split(seed: UInt64) -> Split {
        var ids = Array(0..<count)
        var rng = SeededRandom(seed: seed)
        rng.shuffle(&ids)
        return Split(
            seed: seed,
            train: ids[..<trainCount].sorted(),
            validation: ids[trainCount...].sorted())
    }
}
