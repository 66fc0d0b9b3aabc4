// The service API over an untrained (randomly initialised, seeded) model: fuzzing needs
// every handler reachable, not good rankings, and training would take minutes.
import Foundation
import HTTPServer
import Logging
import NanoVLM
import Datasets

@testable import NanoVLMService

enum FuzzService {
    static let api: ServiceAPI = {
        var configuration = AppConfiguration()
        configuration.minGalleryR1 = 0
        configuration.server.adminToken = "fuzz-token"
        var logger = Logger(label: "fuzz")
        logger.logLevel = .critical
        let state = ServiceState(configuration: configuration, logger: logger)
        let model = DualEncoder(config: ModelConfiguration(), vocabularySize: ShapesVocabulary.tokens.count)
        do {
            state.install(
                try ModelLoader.prepare(
                    Checkpoint(model: model), source: .loadedFromFile, path: "untrained", configuration: configuration,
                    readiness: nil))
        } catch {
            fatalError("cannot prepare the untrained model: \(error)")
        }
        return ServiceAPI(state: state)
    }()

    /// A response the service must never give: a 5xx (the model is ready, so not even 503),
    /// or a JSON body that does not parse.
    static func check(_ response: HTTPResponse, for what: String) {
        guard response.status < 500 else {
            fatalError("\(what) answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
        }
        if response.header("Content-Type") == "application/json", !response.body.isEmpty,
            (try? JSONSerialization.jsonObject(with: Data(response.body))) == nil
        {
            fatalError("\(what) answered a body that is not JSON: \(String(decoding: response.body.prefix(200), as: UTF8.self))")
        }
    }
}
