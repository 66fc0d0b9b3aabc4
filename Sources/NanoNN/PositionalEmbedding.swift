/// Learned positional embeddings: output[b, t] = input[b, t] + table[t]. The forward may run
/// in place (output == input).
public enum PositionalEmbedding {
    /// - Parameters: output, input (B, T, C); table (≥ T, C).
    public static func forward(
        output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, table: UnsafePointer<Float>,
        batch: Int, length: Int, dim: Int
    ) {
        for b in 0..<batch {
            for t in 0..<length {
                let x = input + (b * length + t) * dim, y = output + (b * length + t) * dim
                let e = table + t * dim
                for i in 0..<dim { y[i] = x[i] + e[i] }
            }
        }
    }

    /// dTable[t] += Σ_b dOutput[b, t]; and dInput += dOutput when given (the identity path —
    /// callers that run in place pass nil and reuse dOutput as the input's gradient).
    public static func backward(
        dInput: UnsafeMutablePointer<Float>?, dTable: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>,
        batch: Int, length: Int, dim: Int
    ) {
        for b in 0..<batch {
            for t in 0..<length {
                let dy = dOutput + (b * length + t) * dim
                let de = dTable + t * dim
                for i in 0..<dim { de[i] += dy[i] }
                if let dInput {
                    let dx = dInput + (b * length + t) * dim
                    for i in 0..<dim { dx[i] += dy[i] }
                }
            }
        }
    }
}

/// A learned `[CLS]` vector put in front of each sequence: (B, N, C) → (B, N + 1, C).
public enum ClassToken {
    /// - Parameters: output (B, N + 1, C); input (B, N, C); classEmbedding (C).
    public static func forward(
        output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, classEmbedding: UnsafePointer<Float>,
        batch: Int, count n: Int, dim: Int
    ) {
        for b in 0..<batch {
            let y = output + b * (n + 1) * dim
            y.update(from: classEmbedding, count: dim)
            (y + dim).update(from: input + b * n * dim, count: n * dim)
        }
    }

    /// Accumulates into dInput (when given) and dClassEmbedding.
    public static func backward(
        dInput: UnsafeMutablePointer<Float>?, dClassEmbedding: UnsafeMutablePointer<Float>,
        dOutput: UnsafePointer<Float>, batch: Int, count n: Int, dim: Int
    ) {
        for b in 0..<batch {
            let dy = dOutput + b * (n + 1) * dim
            for i in 0..<dim { dClassEmbedding[i] += dy[i] }
            if let dInput {
                let dx = dInput + b * n * dim, rest = dy + dim
                for i in 0..<(n * dim) { dx[i] += rest[i] }
            }
        }
    }
}

/// Patch embedding: a p×p stride-p convolution from 3 channels (PyTorch's `Conv2d(3, C, p,
/// stride=p)` with weight (C, 3, p, p)), as a gather of non-overlapping patches plus one
/// Linear. Each patch row is laid out (c, kh, kw) — the order of the weight's last three
/// dimensions — so the PyTorch weight is the Linear weight (C, 3·p·p) as it is stored.
/// Input channels-last (B, S, S, 3); output (B, N, C) with N = (S/p)² patches in row-major
/// order, which is PyTorch's `conv(x).flatten(2).transpose(1, 2)`.
public enum PatchEmbedding {
    public static let inChannels = 3

    /// (B, S, S, 3) → (B, N, 3·k·k): the k×k window of each of the (S/p)² patches, centred on
    /// it (k − p is even; k = p tiles the image, a larger k overlaps its neighbours and reads
    /// zeros past the border), as `nn.Conv2d(3, C, k, stride=p, padding=(k − p)/2)` sees it.
    public static func patchify(
        _ patches: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>, batch: Int, side: Int, patch p: Int,
        kernel: Int? = nil
    ) {
        let k = kernel ?? p, grid = side / p
        patches.update(repeating: 0, count: batch * grid * grid * inChannels * k * k)
        forEachWindowPixel(batch: batch, side: side, patch: p, kernel: k) { entry, pixel in
            for c in 0..<inChannels { patches[entry + c * k * k] = input[pixel + c] }
        }
    }

    /// The adjoint of `patchify`: adds patch gradients back onto the image.
    static func unpatchifyAdd(
        _ dInput: UnsafeMutablePointer<Float>, _ dPatches: UnsafePointer<Float>, batch: Int, side: Int, patch p: Int,
        kernel: Int? = nil
    ) {
        let k = kernel ?? p
        forEachWindowPixel(batch: batch, side: side, patch: p, kernel: k) { entry, pixel in
            for c in 0..<inChannels { dInput[pixel + c] += dPatches[entry + c * k * k] }
        }
    }

    /// Calls `body(entry, pixel)` for every window position inside the image: `entry` indexes
    /// channel 0 of that position in the (B, N, 3·k·k) patch rows, `pixel` channel 0 of the
    /// pixel in the (B, S, S, 3) image.
    @inline(__always)
    private static func forEachWindowPixel(
        batch: Int, side: Int, patch p: Int, kernel k: Int, _ body: (_ entry: Int, _ pixel: Int) -> Void
    ) {
        let pad = (k - p) / 2, grid = side / p, width = inChannels * k * k
        for b in 0..<batch {
            for py in 0..<grid {
                for px in 0..<grid {
                    let row = ((b * grid + py) * grid + px) * width
                    for kh in 0..<k {
                        let y = py * p - pad + kh
                        guard (0..<side).contains(y) else { continue }
                        for kw in 0..<k {
                            let x = px * p - pad + kw
                            guard (0..<side).contains(x) else { continue }
                            body(row + kh * k + kw, ((b * side + y) * side + x) * inChannels)
                        }
                    }
                }
            }
        }
    }

    /// - Parameters:
    ///   - output: (B, N, C), overwritten.
    ///   - patches: (B, N, 3·k·k), overwritten; the backward needs it.
    ///   - input: (B, S, S, 3).
    ///   - weight: (C, 3, k, k); bias (C). `kernel` k defaults to the patch side p.
    public static func forward(
        output: UnsafeMutablePointer<Float>, patches: UnsafeMutablePointer<Float>,
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        batch: Int, side: Int, patch: Int, kernel: Int? = nil, dim: Int
    ) {
        let k = kernel ?? patch
        patchify(patches, input, batch: batch, side: side, patch: patch, kernel: k)
        let n = (side / patch) * (side / patch)
        Linear.forward(
            output: output, input: patches, weight: weight, bias: bias,
            rows: batch * n, inFeatures: inChannels * k * k, outFeatures: dim)
    }

    /// Accumulates into dWeight, dBias and, when given, dInput (then `dPatches`, (B, N, 3·k·k)
    /// scratch, is needed).
    public static func backward(
        dInput: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>,
        dPatches: UnsafeMutablePointer<Float>?,
        dOutput: UnsafePointer<Float>, patches: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        batch: Int, side: Int, patch: Int, kernel: Int? = nil, dim: Int
    ) {
        let kernel = kernel ?? patch
        let n = (side / patch) * (side / patch), k = inChannels * kernel * kernel
        var patchGradient: UnsafeMutablePointer<Float>? = nil
        if dInput != nil, let dPatches {
            dPatches.update(repeating: 0, count: batch * n * k)
            patchGradient = dPatches
        }
        Linear.backward(
            dInput: patchGradient, dWeight: dWeight, dBias: dBias, dOutput: dOutput, input: patches, weight: weight,
            rows: batch * n, inFeatures: k, outFeatures: dim)
        if let dInput, let patchGradient {
            unpatchifyAdd(dInput, patchGradient, batch: batch, side: side, patch: patch, kernel: kernel)
        }
    }
}
