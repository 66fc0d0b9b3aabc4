/// Token embedding lookup followed by masked mean pooling — the mean text encoder's front.
public enum Embedding {
    /// - Parameters: output (N, E) rows of `table` (V, E) for each token.
    public static func forward(
        output: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>, table: UnsafePointer<Float>,
        count: Int, dim: Int
    ) {
        for t in 0..<count {
            (output + t * dim).update(from: table + Int(tokens[t]) * dim, count: dim)
        }
    }

    /// dTable[token] += dOutput row.
    public static func backward(
        dTable: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>, tokens: UnsafePointer<Int32>,
        count: Int, dim: Int
    ) {
        for t in 0..<count {
            let row = dTable + Int(tokens[t]) * dim
            let dy = dOutput + t * dim
            for i in 0..<dim { row[i] += dy[i] }
        }
    }
}

/// Mean over the first `lengths[b]` of T positions of (B, T, E); padding is ignored.
public enum MaskedMeanPool {
    public static func forward(
        output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, lengths: UnsafePointer<Int32>,
        batch: Int, maxLength: Int, dim: Int
    ) {
        for b in 0..<batch {
            let y = output + b * dim
            y.update(repeating: 0, count: dim)
            let length = Int(lengths[b])
            for t in 0..<length {
                let x = input + (b * maxLength + t) * dim
                for i in 0..<dim { y[i] += x[i] }
            }
            let scale = 1 / Float(max(length, 1))
            for i in 0..<dim { y[i] *= scale }
        }
    }

    public static func backward(
        dInput: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>, lengths: UnsafePointer<Int32>,
        batch: Int, maxLength: Int, dim: Int
    ) {
        for b in 0..<batch {
            let length = Int(lengths[b])
            let scale = 1 / Float(max(length, 1))
            let dy = dOutput + b * dim
            for t in 0..<length {
                let dx = dInput + (b * maxLength + t) * dim
                for i in 0..<dim { dx[i] += dy[i] * scale }
            }
        }
    }
}
