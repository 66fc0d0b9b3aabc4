import Foundation

/// τ, the temperature that scales similarities by s = 1/τ in the loss and in result
/// probabilities: fixed by configuration, or learnable CLIP-style as the scalar tensor
/// `logit_scale` = ln(1/τ), clamped to at most ln 100 after every step.
struct Temperature: Sendable {
    static let parameterName = "logit_scale"
    static let maxLogitScale = Float(log(100.0))

    /// The configured τ (the initial one when learnable).
    let configured: Double
    /// Offset of `logit_scale` in the parameters; nil when τ is fixed.
    let offset: Int?

    static func parameterTable(_ config: ModelConfiguration) -> [(String, [Int])] {
        config.learnableTemperature ? [(parameterName, [])] : []
    }

    init(config: ModelConfiguration, layout: ParameterLayout) {
        configured = config.temperature
        offset = layout.entry(Self.parameterName)?.offset
    }

    func initialise(_ parameters: UnsafeMutablePointer<Float>) {
        if let offset { parameters[offset] = Float(log(1 / configured)) }
    }

    /// s = 1/τ, or exp(logit_scale) when learnable.
    func scale(_ parameters: UnsafePointer<Float>) -> Float {
        offset.map { expf(parameters[$0]) } ?? Float(1 / configured)
    }

    /// τ in force: the configured one, or 1/exp(logit_scale).
    func temperature(_ parameters: UnsafePointer<Float>) -> Double {
        offset == nil ? configured : 1 / Double(scale(parameters))
    }

    /// Adds dLoss/dlogit_scale = dLoss/ds · s, since s = exp(logit_scale).
    func accumulateGradient(_ gradients: UnsafeMutablePointer<Float>, dScale: Float, scale: Float) {
        if let offset { gradients[offset] += dScale * scale }
    }

    /// Keeps logit_scale ≤ ln 100 (τ ≥ 0.01), as CLIP does.
    func clamp(_ parameters: UnsafeMutablePointer<Float>) {
        if let offset { parameters[offset] = min(parameters[offset], Self.maxLogitScale) }
    }
}
