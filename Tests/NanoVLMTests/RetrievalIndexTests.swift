import Datasets
import XCTest

@testable import NanoVLM

final class RetrievalIndexTests: XCTestCase {
    static let index = RetrievalIndex(
        model: DualEncoder(config: tinyConfiguration(seed: 5), vocabularySize: 22), dataset: ShapesDataset())

    func testExplanationSumsExactlyToTheScore() {
        let index = Self.index
        for tokens in [[5, 10, 13], [1], [12, 21], [2, 2, 11]] {
            let hits = index.searchImages(tokens: tokens, k: 3)
            for hit in hits {
                guard let (words, bias) = index.explain(tokens: tokens, imageID: hit.index) else {
                    return XCTFail("the mean text encoder explains exactly")
                }
                XCTAssertEqual(words.count, tokens.count)
                XCTAssertEqual(words.reduce(0, +) + bias, hit.score, accuracy: 1e-5, "tokens \(tokens)")
            }
        }
    }

    func testRankingIsSortedWithProbabilitiesOverAllCandidates() {
        let index = Self.index
        let hits = index.searchImages(tokens: [5, 10, 13], k: 243)
        XCTAssertEqual(hits.count, 243)
        XCTAssertEqual(Set(hits.map(\.index)).count, 243)
        for (a, b) in zip(hits, hits.dropFirst()) {
            XCTAssertTrue(a.score > b.score || (a.score == b.score && a.index < b.index))
        }
        XCTAssertEqual(hits.map(\.probability).reduce(0, +), 1, accuracy: 1e-4)
        XCTAssertEqual(index.searchImages(tokens: [5, 10, 13], k: 5), Array(hits.prefix(5)))
    }

    func testTiesAreBrokenByIndex() {
        let hits = Self.index.rank([0.5, 0.9, 0.5, 0.9], k: 4)
        XCTAssertEqual(hits.map(\.index), [1, 3, 0, 2])
    }

    func testClassifyGivesADistributionPerAttribute() {
        let attributes = Self.index.classify(image: Renderer.canonical(109))
        XCTAssertEqual(attributes.map(\.name), ["colour", "shape", "position"])
        XCTAssertEqual(attributes.map { $0.probabilities.count }, [9, 3, 9])
        for a in attributes {
            XCTAssertEqual(a.probabilities.map(\.probability).reduce(0, +), 1, accuracy: 1e-4)
            XCTAssertEqual(a.probabilities.max { $0.probability < $1.probability }?.word, a.label)
        }
    }

    func testCandidatesRankTheGivenTexts() {
        let index = Self.index
        let image = Renderer.canonical(0)
        let hits = index.rankCandidates(image: image, candidates: [[1], [2], [3]], k: 3)
        XCTAssertEqual(Set(hits.map(\.index)), [0, 1, 2])
        let direct = index.scores(query: index.embed(image: image), candidates: index.embed(texts: [[1], [2], [3]]))
        XCTAssertEqual(hits.first?.score, direct.max())
    }
}
