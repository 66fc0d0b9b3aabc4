import Foundation

/// ReLU. The forward may run in place (output == input).
public enum ReLU {
    public static func forward(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { output[i] = max(input[i], 0) }
    }

    /// dInput += dOutput where the output was positive.
    public static func backward(
        dInput: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>, output: UnsafePointer<Float>, count: Int
    ) {
        for i in 0..<count where output[i] > 0 { dInput[i] += dOutput[i] }
    }
}

/// GELU, tanh approximation — PyTorch's `nn.GELU(approximate='tanh')`:
/// y = ½ x (1 + tanh(√(2/π) (x + 0.044715 x³))). The backward needs the input.
public enum GELU {
    static let c = Float((2 / Double.pi).squareRoot())
    static let a: Float = 0.044715

    public static func forward(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let x = input[i]
            output[i] = 0.5 * x * (1 + tanhf(c * (x + a * x * x * x)))
        }
    }

    /// dInput += dOutput · y'(x), y'(x) = ½ (1 + t) + ½ x (1 − t²) √(2/π) (1 + 3·0.044715 x²).
    public static func backward(
        dInput: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>, input: UnsafePointer<Float>, count: Int
    ) {
        for i in 0..<count {
            let x = input[i]
            let t = tanhf(c * (x + a * x * x * x))
            let derivative = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * a * x * x)
            dInput[i] += dOutput[i] * derivative
        }
    }
}
