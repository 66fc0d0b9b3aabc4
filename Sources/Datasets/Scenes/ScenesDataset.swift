import ImageIO
import JSON
import NanoTensor

/// The scenes set as a `Dataset`: two objects per image and captions saying how they relate
/// (docs/DATASETS.md, "scenes"). Items are the gallery's scenes — `data.scenes.gallery_size`,
/// four fifths of training pairs first, then the held-out ones (the validation split).
/// Training draws fresh scenes of the training pairs every epoch; a caption is a hit for
/// every scene it is true of; the binding test pits each validation scene's canonical
/// caption against its three swaps.
public struct ScenesDataset: Dataset {
    public let composition: SceneComposition
    public let scenes: [Scene]
    /// Gallery ids below this show training pairs; the rest show held-out pairs.
    public let trainingCount: Int
    public let configuration: DataConfiguration
    let images: [RGBImage]
    let canonical: [SceneCaption]

    public init(
        _ configuration: DataConfiguration = {
            var data = DataConfiguration()
            data.source = "scenes"
            return data
        }()
    ) {
        var data = configuration
        data.source = "scenes"
        self.configuration = data
        composition = SceneComposition(seed: data.seed)
        let size = data.scenes.gallerySize
        trainingCount = size * 4 / 5
        scenes = composition.gallery(trainingCount: trainingCount, validationCount: size - trainingCount)
        images = scenes.map { SceneRenderer.render($0) }
        canonical = scenes.map(\.canonicalCaption)
    }

    public var name: String { "scenes" }
    public var count: Int { scenes.count }
    public func caption(of id: Int) -> String { canonical[id].text }
    public func captionTokens(of id: Int) -> [Int] { ScenesVocabulary.tokens(of: canonical[id]) }
    public var vocabulary: Vocabulary { ScenesVocabulary.vocabulary }
    public var maxWords: Int { ScenesQueryParser.maxWords }
    public func parse(query: String) throws -> ParsedQuery { try ScenesQueryParser.parse(query) }
    public func galleryImage(_ id: Int) -> RGBImage { images[id] }

    /// The split is the composition's (seed `data.seed`), whatever the training seed.
    public func split(seed: UInt64) -> Split {
        Split(seed: configuration.seed, train: Array(0..<trainingCount), validation: Array(trainingCount..<count))
    }

    public func augmentedImage(of id: Int, using rng: inout SeededRandom) -> RGBImage {
        SceneRenderer.augmented(scenes[id], canonicalFraction: 0, using: &rng)
    }

    public var captionTruth: CaptionTruth? {
        let scenes = self.scenes
        return { tokens, id in ScenesVocabulary.caption(of: tokens)?.isTrue(of: scenes[id]) ?? false }
    }

    /// `<object> <relation> <object>` naming two different types.
    public func isGrammatical(_ tokens: [Int]) -> Bool? {
        guard let caption = ScenesVocabulary.caption(of: tokens) else { return false }
        return caption.subject != caption.object
    }

    /// `data.scenes.training_scenes` fresh scenes an epoch.
    public func trainingOrder(_ split: Split) -> [Int] { Array(0..<configuration.scenes.trainingScenes) }

    public var hardNegativesPerExample: Int { 3 }

    /// Fresh scenes of training pairs, each with one of its true captions drawn at random
    /// (both orders, every relation that holds). Hard negatives are up to `hardNegatives` of
    /// the drawn caption's swaps that are false of the scene and name a training pair (so no
    /// held-out composition is seen even as text), drawn at random when there are more.
    /// Positives are judged exactly by the truth function.
    public func trainingBatch(
        _ ids: [Int], split: Split, augmentation: TrainingAugmentation, hardNegatives: Int, table: CaptionTable,
        using rng: inout SeededRandom
    ) -> TrainingBatch {
        let drawn = ids.map { _ in composition.trainingScene(using: &rng) }
        let images = drawn.map { scene in
            augmentation.enabled
                ? SceneRenderer.augmented(scene, canonicalFraction: augmentation.canonicalFraction, using: &rng)
                : SceneRenderer.render(scene)
        }
        let captions = drawn.map { scene -> SceneCaption in
            let all = scene.trueCaptions
            return all[rng.below(all.count)]
        }
        var negatives: [SceneCaption] = []
        if hardNegatives > 0 {
            for (scene, caption) in zip(drawn, captions) {
                var usable = caption.swaps.map(\.caption).filter {
                    !$0.isTrue(of: scene) && !composition.isHeldOut(TypePair($0.subject, $0.object))
                }
                if usable.count > hardNegatives { rng.shuffle(&usable) }
                negatives.append(contentsOf: usable.prefix(hardNegatives))
            }
        }
        let texts = captions + negatives
        var positives = [Float](repeating: 0, count: drawn.count * texts.count)
        for (i, scene) in drawn.enumerated() {
            for (j, text) in texts.enumerated() where text.isTrue(of: scene) { positives[i * texts.count + j] = 1 }
        }
        return TrainingBatch(
            images: images, words: captions.map(ScenesVocabulary.tokens(of:)),
            negatives: negatives.map(ScenesVocabulary.tokens(of:)), positives: positives)
    }

    public func bindingCases(_ split: Split) -> [BindingCase] {
        split.validation.flatMap { id -> [BindingCase] in
            let truth = canonical[id]
            return truth.swaps.filter { !$0.caption.isTrue(of: scenes[id]) }.map {
                BindingCase(
                    item: id, truth: ScenesVocabulary.tokens(of: truth),
                    negative: ScenesVocabulary.tokens(of: $0.caption),
                    kind: $0.kind.rawValue)
            }
        }
    }

    public var robustnessSetNames: [String] { Perturbation.allCases.map(\.rawValue) }

    /// The shapes set's five perturbations applied to both objects of every gallery scene
    /// (the offsets drawn object by object, scene by scene, from `SeededRandom(4242)`).
    public var robustnessSets: [RobustnessSet] {
        Perturbation.allCases.map { perturbation in
            var rng = SeededRandom(seed: Robustness.offsetSeed)
            let images = scenes.enumerated().map { id, scene -> RGBImage in
                func style() -> RenderStyle {
                    switch perturbation {
                    case .size: return RenderStyle(size: Robustness.sizes[id % Robustness.sizes.count])
                    case .offset:
                        let dx = rng.uniform(-1.5, 1.5)
                        return RenderStyle(offsetX: dx, offsetY: rng.uniform(-1.5, 1.5))
                    case .antialias: return RenderStyle(supersampling: 4)
                    case .canvas64: return RenderStyle(canvas: 64)
                    case .canvas128: return RenderStyle(canvas: 128)
                    }
                }
                let first = style()
                return SceneRenderer.render(scene, styles: (first, style()))
            }
            return RobustnessSet(name: perturbation.rawValue, images: images)
        }
    }

    /// Each object's cell, colour and shape (keys in sorted order, as the service writes
    /// them), in reading order.
    public func objects(of id: Int) -> JSONValue {
        .array(
            scenes[id].objects.map {
                .object(
                    JSONObject([
                        ("cell", .string($0.cell.name)), ("colour", .string($0.type.colour.name)),
                        ("shape", .string($0.type.shape.name)),
                    ]))
            })
    }

    public func fields(of id: Int) -> [(name: String, value: JSONValue)] { [("objects", objects(of: id))] }
    public func resultFields(of id: Int) -> [(name: String, value: JSONValue)] { [("objects", objects(of: id))] }
}
