import Datasets
import HTTPServer
import NanoTensor
import NanoVLM

/// `GET /v1/model` and `GET /v1/eval`.
extension ServiceAPI {
    func modelInfo(_ request: HTTPRequest, _ parameters: RouteParameters) throws -> HTTPResponse {
        let model = try state.requireModel()
        let encoder = model.index.model
        let provenance = model.provenance
        let training = provenance.summary.map {
            ModelResponse.Training(
                epochs: $0.epochs, seconds: $0.seconds, finalLoss: $0.finalLoss, history: $0.history,
                captionTraining: $0.captionHistory)
        }
        let body = ModelResponse(
            architecture: ArchitectureSummary(encoder),
            temperature: encoder.temperature, seed: model.split.seed, dataset: Self.datasetInfo(model.index),
            weights: .init(source: provenance.source.rawValue, path: provenance.path, sha256: provenance.sha256),
            training: training, metrics: provenance.metrics,
            blas: .init(core: BLAS.coreName, threads: BLAS.threads), version: ServiceVersion.string)
        return try JSON.response(body)
    }

    static func datasetInfo(_ index: RetrievalIndex) -> ModelResponse.DatasetInfo {
        let dataset = index.dataset
        return ModelResponse.DatasetInfo(
            source: dataset.configuration.source, images: dataset.count, captions: index.captions.count,
            vocabulary: dataset.vocabulary.words.filter { $0 != OpenVocabulary.unknownTokenText }.count,
            sha256: dataset.digest, skipped: dataset.loadReport?.skipped ?? 0)
    }

    /// The evaluation metrics (docs/MODEL.md) computed from the served weights (on the first
    /// request for this model).
    func evaluate(_ request: HTTPRequest, _ parameters: RouteParameters) throws -> HTTPResponse {
        try JSON.response(try state.requireModel().evaluation)
    }
}
