import Dispatch
import Foundation

/// Adam with bias correction over one flat parameter buffer; the moments mirror it.
public struct Adam: Sendable {
    public var learningRate: Float
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    /// Decoupled weight decay (AdamW, Loshchilov & Hutter): p is first scaled by 1 − lr · λ.
    public var weightDecay: Float = 0
    public private(set) var step = 0

    public init(
        learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0
    ) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// One update: p ← p · (1 − lr · λ) − lr · m̂ / (√v̂ + ε), as torch.optim.AdamW. Elementwise, so `threads` > 1 splits the buffer
    /// into contiguous parts updated in parallel, with identical results.
    public mutating func update(
        parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
        firstMoment m: UnsafeMutablePointer<Float>, secondMoment v: UnsafeMutablePointer<Float>, count: Int,
        threads: Int = 1
    ) {
        step += 1
        let correction1 = 1 - powf(beta1, Float(step))
        let correction2 = 1 - powf(beta2, Float(step))
        let b1 = beta1, b2 = beta2, lr = learningRate, eps = epsilon, keep = 1 - learningRate * weightDecay
        let parts = max(1, min(threads, count / 4096))
        // Eight lanes at a time, then the tail one by one: the same operations in the same
        // order on each element, so the SIMD and scalar paths give identical bits.
        typealias Lanes = SIMD8<Float>
        func load(_ p: UnsafePointer<Float>) -> Lanes { UnsafeRawPointer(p).loadUnaligned(as: Lanes.self) }
        func store(_ x: Lanes, _ p: UnsafeMutablePointer<Float>) {
            UnsafeMutableRawPointer(p).storeBytes(of: x, as: Lanes.self)
        }
        let body = { (part: Int) in
            let end = (part + 1) * count / parts
            var i = part * count / parts
            while i + Lanes.scalarCount <= end {
                let g = load(gradients + i)
                let mi = Lanes(repeating: b1) * load(m + i) + Lanes(repeating: 1 - b1) * g
                let vi = Lanes(repeating: b2) * load(v + i) + Lanes(repeating: 1 - b2) * g * g
                store(mi, m + i)
                store(vi, v + i)
                let mHat = mi / Lanes(repeating: correction1)
                let vHat = vi / Lanes(repeating: correction2)
                store(
                    load(parameters + i) * Lanes(repeating: keep) - Lanes(repeating: lr) * mHat
                        / (vHat.squareRoot() + Lanes(repeating: eps)),
                    parameters + i)
                i += Lanes.scalarCount
            }
            while i < end {
                let g = gradients[i]
                m[i] = b1 * m[i] + (1 - b1) * g
                v[i] = b2 * v[i] + (1 - b2) * g * g
                let mHat = m[i] / correction1
                let vHat = v[i] / correction2
                parameters[i] = parameters[i] * keep - lr * mHat / (vHat.squareRoot() + eps)
                i += 1
            }
        }
        if parts == 1 { body(0) } else { DispatchQueue.concurrentPerform(iterations: parts, execute: body) }
    }
}
