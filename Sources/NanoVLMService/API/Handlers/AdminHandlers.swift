import Digest
import HTTPServer
import NanoVLM

/// `POST /v1/admin/reload`, registered only when an admin token is configured (otherwise
/// the path does not exist: 404).
extension ServiceAPI {
    private struct ReloadResponse: Encodable {
        let status = "reloaded"
        let weights: ModelResponse.Weights
        let galleryR1: Double
        enum CodingKeys: String, CodingKey { case status, weights, galleryR1 = "gallery_r1" }
    }

    func adminReload(_ request: HTTPRequest, _ parameters: RouteParameters) throws -> HTTPResponse {
        try authorizeAdmin(request)
        _ = try state.requireModel()
        do {
            let loaded = try state.reload()
            let provenance = loaded.provenance
            return try JSON.response(
                ReloadResponse(
                    weights: .init(
                        source: provenance.source.rawValue, path: provenance.path, sha256: provenance.sha256),
                    galleryR1: loaded.galleryR1))
        } catch let error as ModelLoaderError {
            state.logger.error(
                "reload failed; the previous model keeps serving", metadata: ["error": "\(error.message)"])
            // The request was fine; the file on the server is not: 409, not a 4xx the client can fix by resending.
            throw HTTPError(
                409, code: "reload_failed", message: "Reload failed, the previous model keeps serving: \(error.message)"
            )
        }
    }

    /// 401 without a bearer token, 403 with the wrong one; compared in constant time.
    private func authorizeAdmin(_ request: HTTPRequest) throws {
        let challenge: [(name: String, value: String)] = [("WWW-Authenticate", "Bearer realm=\"nanovlm admin\"")]
        guard let header = request.header("authorization") else {
            throw HTTPError(
                401, code: "unauthorized", message: "Send the admin token as Authorization: Bearer <token>.",
                headers: challenge)
        }
        let parts = header.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw HTTPError(
                401, code: "unauthorized", message: "The Authorization header must be Bearer <token>.",
                headers: challenge)
        }
        let given = parts[1].trimmingCharacters(in: .whitespaces)
        guard Self.constantTimeEquals(given, state.configuration.server.adminToken) else {
            throw HTTPError(403, code: "forbidden", message: "The admin token is not valid.")
        }
    }

    /// Equality whose running time does not depend on the secret: both sides are hashed
    /// to 32 bytes (so the comparison does not even reveal the secret's length) and every
    /// byte of the digests is compared, whatever differs first.
    static func constantTimeEquals(_ given: String, _ secret: String) -> Bool {
        let a = SHA256.digest(Array(given.utf8)), b = SHA256.digest(Array(secret.utf8))
        var difference: UInt8 = a.count == b.count ? 0 : 1
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
