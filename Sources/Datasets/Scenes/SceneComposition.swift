import NanoTensor

/// The split by composition and the scenes drawn from it (docs/DATASETS.md, "scenes").
///
/// Of the 351 unordered pairs of distinct object types, `heldOutCount` (20 %) are held out:
/// `TypePair.all` shuffled by `SeededRandom(seed)` (Fisher–Yates), the first 70 held out —
/// reshuffled with the same generator until every type keeps at least one training pair.
/// Training scenes only show training pairs; validation scenes only held-out ones.
public struct SceneComposition: Sendable {
    public static let heldOutCount = 70

    public let seed: UInt64
    /// Training pairs, in `TypePair.all` order.
    public let trainingPairs: [TypePair]
    /// Held-out pairs, in `TypePair.all` order.
    public let heldOutPairs: [TypePair]
    private let heldOut: Set<TypePair>

    public init(seed: UInt64) {
        self.seed = seed
        var rng = SeededRandom(seed: seed)
        var order = TypePair.all
        var held: Set<TypePair>
        repeat {
            rng.shuffle(&order)
            held = Set(order[..<Self.heldOutCount])
        } while !Self.everyTypeTrains(held)
        heldOut = held
        trainingPairs = TypePair.all.filter { !held.contains($0) }
        heldOutPairs = TypePair.all.filter { held.contains($0) }
    }

    static func everyTypeTrains(_ held: Set<TypePair>) -> Bool {
        var seen = Set<ObjectType>()
        for pair in TypePair.all where !held.contains(pair) {
            seen.insert(pair.first)
            seen.insert(pair.second)
        }
        return seen.count == ObjectType.count
    }

    public func isHeldOut(_ pair: TypePair) -> Bool { heldOut.contains(pair) }

    /// A scene of `pair`: its two types in two different random cells.
    public static func scene(of pair: TypePair, using rng: inout SeededRandom) -> Scene {
        let first = rng.below(9)
        var second = rng.below(8)
        if second >= first { second += 1 }
        let cells = Position.allCases
        return Scene(SceneObject(pair.first, cells[first]), SceneObject(pair.second, cells[second]))
    }

    /// A fresh training scene: a training pair drawn uniformly, then its cells.
    public func trainingScene(using rng: inout SeededRandom) -> Scene {
        Self.scene(of: trainingPairs[rng.below(trainingPairs.count)], using: &rng)
    }

    /// The gallery: `trainingCount` scenes of training pairs then `validationCount` of
    /// held-out pairs, no two alike, from `SeededRandom(seed ^ 0x5CE4E5)`.
    public func gallery(trainingCount: Int, validationCount: Int) -> [Scene] {
        var rng = SeededRandom(seed: seed ^ 0x5CE4E5)
        var seen = Set<Scene>()
        var scenes: [Scene] = []
        for (pairs, count) in [(trainingPairs, trainingCount), (heldOutPairs, validationCount)] {
            // Each pair has 9 · 8 cell arrangements; the settings keep the count below that.
            precondition(count <= pairs.count * 72)
            var made = 0
            while made < count {
                let scene = Self.scene(of: pairs[rng.below(pairs.count)], using: &rng)
                if seen.insert(scene).inserted {
                    scenes.append(scene)
                    made += 1
                }
            }
        }
        return scenes
    }
}
