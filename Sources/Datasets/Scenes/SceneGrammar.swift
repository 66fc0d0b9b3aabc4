/// The words of the scenes set (docs/DATASETS.md, "scenes"): two objects and how they relate.

/// An object type: a colour and a shape (27 of them), id colour·3 + shape.
public struct ObjectType: Hashable, Sendable, Comparable {
    public let colour: Colour
    public let shape: Shape

    public init(colour: Colour, shape: Shape) {
        self.colour = colour
        self.shape = shape
    }

    /// The type with this id, 0..<27.
    public init(id: Int) {
        self.init(colour: Colour.allCases[id / 3], shape: Shape.allCases[id % 3])
    }

    public static let count = Colour.allCases.count * Shape.allCases.count
    public static let all = (0..<count).map(ObjectType.init(id:))

    public var id: Int { colour.rawValue * 3 + shape.rawValue }
    /// "red circle".
    public var name: String { "\(colour.name) \(shape.name)" }
    public static func < (a: ObjectType, b: ObjectType) -> Bool { a.id < b.id }
}

/// How the first object of a caption stands to the second.
public enum Relation: Int, CaseIterable, Sendable {
    case leftOf, rightOf, above, below

    /// The caption's words: "left of", "above".
    public var phrase: String {
        switch self {
        case .leftOf: return "left of"
        case .rightOf: return "right of"
        case .above: return "above"
        case .below: return "below"
        }
    }

    /// The one vocabulary word it becomes once filler words are dropped: "left", "above".
    public var word: String {
        switch self {
        case .leftOf: return "left"
        case .rightOf: return "right"
        case .above: return "above"
        case .below: return "below"
        }
    }

    /// Whether an object in cell `a` stands so to one in cell `b`.
    public func holds(_ a: Position, _ b: Position) -> Bool {
        switch self {
        case .leftOf: return a.column < b.column
        case .rightOf: return a.column > b.column
        case .above: return a.row < b.row
        case .below: return a.row > b.row
        }
    }
}

/// One object of a scene: its type and the grid cell it is drawn in.
public struct SceneObject: Hashable, Sendable {
    public let type: ObjectType
    public let cell: Position

    public init(_ type: ObjectType, _ cell: Position) {
        self.type = type
        self.cell = cell
    }
}

/// Two objects of different types in different cells.
public struct Scene: Hashable, Sendable {
    public let objects: [SceneObject]

    public init(_ first: SceneObject, _ second: SceneObject) {
        precondition(first.type != second.type && first.cell != second.cell)
        // Stored in reading order (by cell), so that equal scenes compare equal.
        objects = first.cell.rawValue < second.cell.rawValue ? [first, second] : [second, first]
    }

    /// The unordered pair of the two types.
    public var pair: TypePair { TypePair(objects[0].type, objects[1].type) }

    /// The canonical caption: `left of` with the left object first when the columns differ,
    /// otherwise `above` with the upper object first.
    public var canonicalCaption: SceneCaption {
        let (a, b) = (objects[0], objects[1])
        if a.cell.column != b.cell.column {
            let (left, right) = a.cell.column < b.cell.column ? (a, b) : (b, a)
            return SceneCaption(left.type, .leftOf, right.type)
        }
        let (upper, lower) = a.cell.row < b.cell.row ? (a, b) : (b, a)
        return SceneCaption(upper.type, .above, lower.type)
    }

    /// Every caption true of the scene: both orders of the objects, every relation that holds.
    public var trueCaptions: [SceneCaption] {
        [(objects[0], objects[1]), (objects[1], objects[0])].flatMap { a, b in
            Relation.allCases.filter { $0.holds(a.cell, b.cell) }.map { SceneCaption(a.type, $0, b.type) }
        }
    }
}

/// An unordered pair of distinct object types, smaller id first.
public struct TypePair: Hashable, Sendable {
    public let first: ObjectType, second: ObjectType
    public init(_ a: ObjectType, _ b: ObjectType) {
        precondition(a != b)
        (first, second) = a < b ? (a, b) : (b, a)
    }

    /// All 351 pairs, ordered by (first, second) id.
    public static let all: [TypePair] = ObjectType.all.flatMap { a in
        ObjectType.all.filter { $0 > a }.map { TypePair(a, $0) }
    }
}

/// `<colour> <shape> <relation> <colour> <shape>`.
public struct SceneCaption: Hashable, Sendable {
    public let subject: ObjectType
    public let relation: Relation
    public let object: ObjectType

    public init(_ subject: ObjectType, _ relation: Relation, _ object: ObjectType) {
        self.subject = subject
        self.relation = relation
        self.object = object
    }

    /// "red circle left of blue square".
    public var text: String { "\(subject.name) \(relation.phrase) \(object.name)" }

    /// True when it names the scene's two objects and the relation holds between their cells.
    public func isTrue(of scene: Scene) -> Bool {
        guard subject != object else { return false }
        let (a, b) = (scene.objects[0], scene.objects[1])
        if a.type == subject && b.type == object { return relation.holds(a.cell, b.cell) }
        if b.type == subject && a.type == object { return relation.holds(b.cell, a.cell) }
        return false
    }

    /// `c2 s1 REL c1 s2`.
    public var colourSwap: SceneCaption {
        SceneCaption(
            ObjectType(colour: object.colour, shape: subject.shape), relation,
            ObjectType(colour: subject.colour, shape: object.shape))
    }

    /// `c1 s2 REL c2 s1`.
    public var shapeSwap: SceneCaption {
        SceneCaption(
            ObjectType(colour: subject.colour, shape: object.shape), relation,
            ObjectType(colour: object.colour, shape: subject.shape))
    }

    /// `c2 s2 REL c1 s1`.
    public var argumentSwap: SceneCaption { SceneCaption(object, relation, subject) }

    /// The three swaps by kind, for the binding test and the hard negatives.
    public var swaps: [(kind: BindingKind, caption: SceneCaption)] {
        [(.colour, colourSwap), (.shape, shapeSwap), (.argument, argumentSwap)]
    }
}

/// The kinds of binding-test case.
public enum BindingKind: String, CaseIterable, Sendable {
    case colour, shape, argument
}
