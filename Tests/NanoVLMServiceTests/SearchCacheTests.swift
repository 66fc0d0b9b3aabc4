import Foundation
import HTTPServer
import Logging
import NanoVLM
import Datasets
import XCTest

@testable import NanoVLMService

/// The per-model cache of text → image search bodies: bounded, off at 0, never holding an
/// error, and invisible in what clients receive.
final class SearchCacheTests: XCTestCase {
    typealias Key = SearchCache.Key

    private func answer(_ body: [UInt8]) -> HTTPResponse { .json(body) }

    func testHoldsAtMostItsCapacityAndRefillsWhenFull() {
        let cache = SearchCache(capacity: 3)
        for k in 1...3 { cache.store(answer([UInt8(k)]), for: Key(query: "red", k: k, explain: false)) }
        XCTAssertEqual(cache.count, 3)
        XCTAssertEqual(cache.response(for: Key(query: "red", k: 2, explain: false))?.body, [2])
        XCTAssertNotNil(cache.response(for: Key(query: "red", k: 2, explain: false))?.prepared, "held prepared for the server")
        XCTAssertNil(cache.response(for: Key(query: "red", k: 2, explain: true)), "explain is part of the key")
        cache.store(answer([9]), for: Key(query: "blue", k: 5, explain: false))
        XCTAssertEqual(cache.count, 1, "a full cache empties, then takes the new entry")
        XCTAssertEqual(cache.response(for: Key(query: "blue", k: 5, explain: false))?.body, [9])
    }

    func testZeroCapacityAndLargeBodiesStoreNothing() {
        let off = SearchCache(capacity: 0)
        off.store(answer([1]), for: Key(query: "red", k: 5, explain: false))
        XCTAssertNil(off.response(for: Key(query: "red", k: 5, explain: false)))
        let on = SearchCache(capacity: 8)
        on.store(answer(Array(repeating: 0, count: SearchCache.maxBodyBytes + 1)), for: Key(query: "red", k: 243, explain: false))
        XCTAssertEqual(on.count, 0)
    }

    func testErrorsAreNotCached() {
        struct Failure: Error {}
        let cache = SearchCache(capacity: 8)
        let key = Key(query: "plaid", k: 5, explain: false)
        XCTAssertThrowsError(try cache.response(for: key) { throw Failure() })
        XCTAssertEqual(cache.count, 0)
        var calls = 0
        for _ in 0..<3 {
            XCTAssertEqual(cache.response(for: key) { calls += 1; return answer([7]) }.body, [7])
        }
        XCTAssertEqual(calls, 1, "the second and third asks are answered from the cache")
    }

    /// Byte-identical answers with the cache on and off, GET and POST, first and repeated asks;
    /// a failing query stays a 400 every time.
    func testCachedAnswersEqualFreshOnes() throws {
        func api(cacheEntries: Int) -> (ServiceAPI, LoadedModel) {
            var configuration = AppConfiguration()
            configuration.minGalleryR1 = 0
            configuration.server.searchCacheEntries = cacheEntries
            let model = DualEncoder(config: ModelConfiguration(), vocabularySize: ShapesVocabulary.tokens.count)
            let loaded = try! ModelLoader.prepare(
                Checkpoint(model: model), source: .loadedFromFile, path: "untrained", configuration: configuration,
                readiness: nil)
            let state = ServiceState(configuration: configuration, logger: Logger(label: "test"))
            state.install(loaded)
            return (ServiceAPI(state: state), loaded)
        }
        let (cached, loaded) = api(cacheEntries: 64)
        let (fresh, _) = api(cacheEntries: 0)
        let targets = [
            "/v1/search/images?q=pink+circle+top", "/v1/search/images?q=red&k=3",
            "/v1/search/images?q=red&k=3&explain=true", "/v1/search/images?q=Blue%20Square",
        ]
        for round in 0..<2 {
            for target in targets {
                let a = cached.handle(HTTPRequest(method: "GET", target: target))
                let b = fresh.handle(HTTPRequest(method: "GET", target: target))
                XCTAssertEqual(a.status, 200, target)
                XCTAssertEqual(a.body, b.body, "round \(round): \(target)")
                XCTAssertEqual(a.header("Content-Type"), "application/json")
            }
        }
        XCTAssertEqual(loaded.searchCache.count, targets.count)
        let post = HTTPRequest(
            method: "POST", target: "/v1/search/images", headers: ["Content-Type": "application/json"],
            body: Array(#"{"q": "pink circle top"}"#.utf8))
        XCTAssertEqual(cached.handle(post).body, fresh.handle(post).body)
        XCTAssertEqual(
            cached.handle(post).body, cached.handle(HTTPRequest(method: "GET", target: targets[0])).body,
            "GET and POST of the same query share one entry")
        XCTAssertEqual(loaded.searchCache.count, targets.count)
        for _ in 0..<2 {
            XCTAssertEqual(cached.handle(HTTPRequest(method: "GET", target: "/v1/search/images?q=plaid")).status, 400)
        }
        XCTAssertEqual(loaded.searchCache.count, targets.count)
    }

    func testAReloadedModelStartsWithAnEmptyCache() throws {
        var configuration = AppConfiguration()
        configuration.minGalleryR1 = 0
        func load(seed: UInt64) throws -> LoadedModel {
            var modelConfig = ModelConfiguration()
            modelConfig.seed = seed
            let model = DualEncoder(config: modelConfig, vocabularySize: ShapesVocabulary.tokens.count)
            return try ModelLoader.prepare(
                Checkpoint(model: model), source: .loadedFromFile, path: "seed \(seed)", configuration: configuration,
                readiness: nil)
        }
        let state = ServiceState(configuration: configuration, logger: Logger(label: "test"))
        let api = ServiceAPI(state: state)
        state.install(try load(seed: 1))
        let target = "/v1/search/images?q=pink+circle+top"
        let before = api.handle(HTTPRequest(method: "GET", target: target)).body
        state.install(try load(seed: 2))
        let after = api.handle(HTTPRequest(method: "GET", target: target)).body
        XCTAssertNotEqual(before, after, "the second model's own ranking, not the first model's cached body")
        XCTAssertEqual(state.model?.searchCache.count, 1)
    }

    func testCacheSizeIsValidatedByName() throws {
        for bad in ["-1", "65537", "many", "1.5"] {
            XCTAssertThrowsError(
                try AppConfiguration.load(path: nil, environment: [:], overrides: ["server.search_cache_entries": bad])
            ) { error in
                XCTAssertTrue("\(error)".contains("server.search_cache_entries"), "\(bad): \(error)")
            }
        }
        let off = try AppConfiguration.load(
            path: nil, environment: ["NANOVLM_SERVER_SEARCH_CACHE_ENTRIES": "0"], overrides: [:])
        XCTAssertEqual(off.server.searchCacheEntries, 0)
        XCTAssertEqual(try AppConfiguration.load(path: nil, environment: [:]).server.searchCacheEntries, 512)
    }
}
