import Datasets
import ImageIO
import NanoTensor
import XCTest

/// The scenes set: the grammar's truth function and canonical captions on scenes checked by
/// hand, the split by composition, the gallery, fresh training scenes and the binding cases.
final class ScenesTests: XCTestCase {
    let red = Colour.red, blue = Colour.blue
    func type(_ colour: Colour, _ shape: Shape) -> ObjectType { ObjectType(colour: colour, shape: shape) }

    func testTruthAndCanonicalCaptionsOnHandCheckedScenes() {
        let redCircle = type(.red, .circle), blueSquare = type(.blue, .square)
        // Red circle top-left, blue square bottom-right: left of and above both hold.
        let diagonal = Scene(SceneObject(redCircle, .topLeft), SceneObject(blueSquare, .bottomRight))
        XCTAssertEqual(diagonal.canonicalCaption.text, "red circle left of blue square")
        XCTAssertTrue(SceneCaption(redCircle, .leftOf, blueSquare).isTrue(of: diagonal))
        XCTAssertTrue(SceneCaption(redCircle, .above, blueSquare).isTrue(of: diagonal))
        XCTAssertTrue(SceneCaption(blueSquare, .rightOf, redCircle).isTrue(of: diagonal))
        XCTAssertTrue(SceneCaption(blueSquare, .below, redCircle).isTrue(of: diagonal))
        XCTAssertFalse(SceneCaption(redCircle, .rightOf, blueSquare).isTrue(of: diagonal))
        XCTAssertFalse(SceneCaption(blueSquare, .leftOf, redCircle).isTrue(of: diagonal))
        XCTAssertFalse(SceneCaption(redCircle, .below, blueSquare).isTrue(of: diagonal))
        XCTAssertEqual(
            Set(diagonal.trueCaptions.map(\.text)),
            [
                "red circle left of blue square", "red circle above blue square",
                "blue square right of red circle", "blue square below red circle",
            ])
        // Other objects: false whatever the relation.
        XCTAssertFalse(SceneCaption(type(.red, .square), .leftOf, blueSquare).isTrue(of: diagonal))
        XCTAssertFalse(SceneCaption(type(.blue, .circle), .leftOf, type(.red, .square)).isTrue(of: diagonal))

        // Same column: the canonical caption is `above`, upper object first.
        let column = Scene(SceneObject(redCircle, .bottom), SceneObject(blueSquare, .top))
        XCTAssertEqual(column.canonicalCaption.text, "blue square above red circle")
        XCTAssertFalse(SceneCaption(redCircle, .leftOf, blueSquare).isTrue(of: column))
        XCTAssertFalse(SceneCaption(blueSquare, .leftOf, redCircle).isTrue(of: column))
        XCTAssertEqual(column.trueCaptions.count, 2)
        // Same row: `left of`; neither above nor below holds.
        let row = Scene(SceneObject(blueSquare, .left), SceneObject(redCircle, .right))
        XCTAssertEqual(row.canonicalCaption.text, "blue square left of red circle")
        XCTAssertFalse(SceneCaption(blueSquare, .above, redCircle).isTrue(of: row))
        XCTAssertFalse(SceneCaption(redCircle, .below, blueSquare).isTrue(of: row))
        // The order objects are given in does not make another scene.
        XCTAssertEqual(row, Scene(SceneObject(redCircle, .right), SceneObject(blueSquare, .left)))
    }

    func testSwapsRearrangeTheWords() {
        let caption = SceneCaption(type(.red, .circle), .leftOf, type(.blue, .square))
        XCTAssertEqual(caption.colourSwap.text, "blue circle left of red square")
        XCTAssertEqual(caption.shapeSwap.text, "red square left of blue circle")
        XCTAssertEqual(caption.argumentSwap.text, "blue square left of red circle")
        // The same bag of tokens, in another order.
        let tokens = ScenesVocabulary.tokens(of: caption)
        XCTAssertEqual(tokens.count, 5)
        for swap in caption.swaps {
            let other = ScenesVocabulary.tokens(of: swap.caption)
            XCTAssertEqual(other.sorted(), tokens.sorted())
            XCTAssertNotEqual(other, tokens)
            XCTAssertEqual(ScenesVocabulary.caption(of: other), swap.caption)
        }
    }

    func testTheSplitHoldsOutSeventyPairsAndEveryTypeStillTrains() {
        for seed: UInt64 in [0, 1, 7, 12345] {
            let composition = SceneComposition(seed: seed)
            XCTAssertEqual(TypePair.all.count, 351)
            XCTAssertEqual(composition.heldOutPairs.count, 70)
            XCTAssertEqual(composition.trainingPairs.count, 281)
            XCTAssertTrue(Set(composition.heldOutPairs).isDisjoint(with: composition.trainingPairs))
            let training = Set(composition.trainingPairs.flatMap { [$0.first, $0.second] })
            XCTAssertEqual(training.count, 27, "seed \(seed): every object type appears in training")
        }
        XCTAssertEqual(SceneComposition(seed: 3).heldOutPairs, SceneComposition(seed: 3).heldOutPairs)
        XCTAssertNotEqual(SceneComposition(seed: 3).heldOutPairs, SceneComposition(seed: 4).heldOutPairs)
    }

    func testTheGalleryIsDistinctSplitByCompositionAndDeterministic() {
        let dataset = ScenesDataset()
        XCTAssertEqual(dataset.count, 2000)
        XCTAssertEqual(Set(dataset.scenes).count, 2000, "no two gallery scenes alike")
        let split = dataset.split(seed: 99)
        XCTAssertEqual(split.train.count, 1600)
        XCTAssertEqual(split.validation.count, 400)
        for id in split.train { XCTAssertFalse(dataset.composition.isHeldOut(dataset.scenes[id].pair)) }
        for id in split.validation { XCTAssertTrue(dataset.composition.isHeldOut(dataset.scenes[id].pair)) }
        XCTAssertEqual(ScenesDataset().scenes, dataset.scenes)
        var other = DataConfiguration()
        other.seed = 1
        XCTAssertNotEqual(ScenesDataset(other).scenes, dataset.scenes)
        other.seed = 0
        other.scenes.gallerySize = 100
        XCTAssertEqual(ScenesDataset(other).count, 100)
        XCTAssertEqual(ScenesDataset(other).split(seed: 0).validation.count, 20)
    }

    func testTrainingBatchesAreFreshScenesOfTrainingPairsWithExactTargets() throws {
        let dataset = ScenesDataset()
        let split = dataset.split(seed: 0)
        let table = CaptionTable(dataset)
        let augmentation = TrainingAugmentation(enabled: true, canonicalFraction: 0.25)
        var rng = SeededRandom(seed: 5)
        var again = SeededRandom(seed: 5)
        let order = dataset.trainingOrder(split)
        XCTAssertEqual(order.count, DataConfiguration().scenes.trainingScenes)
        let batch = dataset.trainingBatch(
            Array(order[..<64]), split: split, augmentation: augmentation, hardNegatives: 3, table: table,
            using: &rng)
        let same = dataset.trainingBatch(
            Array(order[..<64]), split: split, augmentation: augmentation, hardNegatives: 3, table: table,
            using: &again)
        XCTAssertEqual(batch.images, same.images, "deterministic for a seed")
        XCTAssertEqual(batch.words, same.words)
        XCTAssertEqual(batch.images.count, 64)
        let captions = try batch.words.map { try XCTUnwrap(ScenesVocabulary.caption(of: $0)) }
        let negatives = try batch.negatives.map { try XCTUnwrap(ScenesVocabulary.caption(of: $0)) }
        XCTAssertGreaterThan(negatives.count, 64 * 2, "about three swaps per caption")
        for caption in captions + negatives {
            XCTAssertFalse(dataset.composition.isHeldOut(TypePair(caption.subject, caption.object)))
        }
        // Fresh scenes: most batch captions are not gallery captions of the same scene.
        let positives = try XCTUnwrap(batch.positives)
        let texts = captions.count + negatives.count
        XCTAssertEqual(positives.count, 64 * texts)
        for i in 0..<64 { XCTAssertEqual(positives[i * texts + i], 1, "each image's own caption is true of it") }
        // Each negative is false of the image it was made for: the row of image i has
        // exactly the positives its scene makes true, which excludes its own swaps.
        XCTAssertEqual(
            positives.reduce(0, +),
            Float(
                (0..<64).map { i in
                    (0..<texts).filter { positives[i * texts + $0] == 1 }.count
                }.reduce(0, +)))
        var third = SeededRandom(seed: 6)
        let plain = dataset.trainingBatch(
            Array(order[..<8]), split: split, augmentation: augmentation, hardNegatives: 0, table: table,
            using: &third)
        XCTAssertTrue(plain.negatives.isEmpty)
        // One a caption: the argument swap is always false and of the same (training) pair.
        let one = dataset.trainingBatch(
            Array(order[..<32]), split: split, augmentation: augmentation, hardNegatives: 1, table: table,
            using: &third)
        XCTAssertEqual(one.negatives.count, 32)
        XCTAssertEqual(one.positives?.count, 32 * 64)
    }

    func testBindingCasesAreTheFalseSwapsOfValidationScenes() throws {
        let dataset = ScenesDataset()
        let split = dataset.split(seed: 0)
        let cases = dataset.bindingCases(split)
        XCTAssertEqual(Set(cases.map(\.item)), Set(split.validation))
        XCTAssertEqual(Set(cases.map(\.kind)), ["colour", "shape", "argument"])
        XCTAssertEqual(cases.filter { $0.kind == "argument" }.count, split.validation.count)
        for c in cases {
            let scene = dataset.scenes[c.item]
            XCTAssertEqual(ScenesVocabulary.caption(of: c.truth), scene.canonicalCaption)
            XCTAssertFalse(try XCTUnwrap(ScenesVocabulary.caption(of: c.negative)).isTrue(of: scene))
        }
        // A caption is a hit for every gallery scene it is true of.
        let table = CaptionTable(dataset)
        for c in 0..<20 {
            let caption = try XCTUnwrap(ScenesVocabulary.caption(of: table.tokens[c]))
            XCTAssertEqual(table.items[c], dataset.ids.filter { caption.isTrue(of: dataset.scenes[$0]) })
        }
    }

    func testTheParserReadsParaphrasesAndRefusesUnknownWords() throws {
        let dataset = ScenesDataset()
        let canonical = try dataset.parse(query: "red circle left of blue square").words
        XCTAssertEqual(canonical, ["red", "circle", "left", "blue", "square"])
        for query in [
            "the red circle is to the left of a blue square", "Red Circle, to the left of the blue square",
            "red_circle left blue_square", "a red circle on the left of a blue square",
        ] {
            XCTAssertEqual(try dataset.parse(query: query).words, canonical, query)
        }
        XCTAssertEqual(
            try dataset.parse(query: "grey square on the right of the pink triangle").words,
            ["gray", "square", "right", "pink", "triangle"])
        XCTAssertEqual(try dataset.parse(query: "the green triangle is above a red square").words.count, 5)
        XCTAssertEqual(try dataset.parse(query: "red circle").words, ["red", "circle"])
        XCTAssertEqual(try dataset.parse(query: "red circle left of").words, ["red", "circle", "left"])
        XCTAssertThrowsError(try dataset.parse(query: "red circle beside blue square")) { error in
            let refusal = error as? QueryError
            XCTAssertEqual(refusal?.kind, .unknownWord("beside"))
            XCTAssertTrue(refusal?.description.contains("left, right, above, below") ?? false)
        }
        XCTAssertThrowsError(try dataset.parse(query: "the of a")) { error in
            XCTAssertEqual((error as? QueryError)?.kind, .empty)
        }
        XCTAssertThrowsError(try dataset.parse(query: String(repeating: "red ", count: 9))) { error in
            XCTAssertEqual((error as? QueryError)?.kind, .tooManyWords(9))
        }
    }

    func testScenesAreDrawnAsTheirTwoObjects() {
        let scene = Scene(SceneObject(type(.red, .square), .topLeft), SceneObject(type(.blue, .circle), .bottomRight))
        let image = SceneRenderer.render(scene)
        let first = Renderer.render(Pair(colour: .red, shape: .square, position: .topLeft))
        let second = Renderer.render(Pair(colour: .blue, shape: .circle, position: .bottomRight))
        XCTAssertEqual(image.pixels, zip(first.pixels, second.pixels).map { max($0, $1) })
        XCTAssertNotEqual(first.pixels, image.pixels)
        let dataset = ScenesDataset()
        XCTAssertEqual(dataset.galleryImage(3), SceneRenderer.render(dataset.scenes[3]))
        XCTAssertEqual(dataset.robustnessSets.map(\.images.count), [2000, 2000, 2000, 2000, 2000])
    }
}
