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
