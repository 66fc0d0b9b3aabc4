import NanoTensor

/// 3×3 convolution, stride 2, padding 1, on channels-last activations (B, H, W, C), with a
/// PyTorch-layout weight (O, C, 3, 3). Lowered to one sgemm over the whole batch through an
/// im2col buffer. The columns are ordered (kh, kw, c) so that each tap copies C contiguous
/// input channels; the weight is packed into the same (O, kh, kw, C) order first (a small
/// copy, saved for the backward). The output is (B, H/2, W/2, O) — channels-last, which is
/// what the next im2col reads; for a 1×1 output it equals PyTorch's flattened (B, O).
public enum Conv2D {
    public static let kernel = 3
    public static let stride = 2
    public static let padding = 1

    public static func outputSide(_ side: Int) -> Int { (side + 2 * padding - kernel) / stride + 1 }

    /// Size of the im2col buffer for one call: (B·OH·OW, 9·C).
    public static func columnCount(batch: Int, height: Int, width: Int, inChannels: Int) -> Int {
        batch * outputSide(height) * outputSide(width) * inChannels * kernel * kernel
    }

    /// (O, C, 3, 3) → (O, 3, 3, C).
    public static func pack(
        _ packed: UnsafeMutablePointer<Float>, _ weight: UnsafePointer<Float>, inChannels c: Int, outChannels o: Int
    ) {
        for oc in 0..<o {
            let src = weight + oc * c * 9, dst = packed + oc * c * 9
            for ic in 0..<c {
                for tap in 0..<9 { dst[tap * c + ic] = src[ic * 9 + tap] }
            }
        }
    }

    /// - Parameters:
    ///   - output: (B, OH, OW, O), overwritten.
    ///   - columns: (B·OH·OW, 9·C), overwritten; the backward needs it.
    ///   - packedWeight: (O, 3, 3, C): `pack(weight)`, made by the caller (once per weight
    ///     version, so inference doesn't re-pack); the backward needs it.
    ///   - input: (B, H, W, C).
    ///   - bias: (O).
    ///   - relu: apply ReLU to the output.
    public static func forward(
        output: UnsafeMutablePointer<Float>, columns: UnsafeMutablePointer<Float>, packedWeight: UnsafePointer<Float>,
        input: UnsafePointer<Float>, bias: UnsafePointer<Float>, relu: Bool = false,
        batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int
    ) {
        let rows = batch * outputSide(height) * outputSide(width)
        let k = inChannels * 9
        im2col(columns, input, batch: batch, height: height, width: width, channels: inChannels)
        // Start from the bias in every row, then (rows, O) += (rows, K) · (O, K)ᵀ. (With beta 0
        // and the bias added after, OpenBLAS zeroes the output first: no faster, and the sums
        // would round differently from the recorded training runs.)
        for r in 0..<rows { (output + r * outChannels).update(from: bias, count: outChannels) }
        BLAS.gemm(output, columns, packedWeight, m: rows, n: outChannels, k: k, transposeB: true, beta: 1)
        if relu { ReLU.forward(output: output, input: output, count: rows * outChannels) }
    }

    /// (O, C, 3, 3) → (3, 3, C, O): the weight as the (K, O) right-hand side of
    /// `inferenceForward`'s product.
    public static func packTransposed(
        _ packed: UnsafeMutablePointer<Float>, _ weight: UnsafePointer<Float>, inChannels c: Int, outChannels o: Int
    ) {
        for oc in 0..<o {
            let src = weight + oc * c * 9
            for ic in 0..<c {
                for tap in 0..<9 { packed[(tap * c + ic) * o + oc] = src[ic * 9 + tap] }
            }
        }
    }

    /// The forward for inference, where nothing is kept for a backward: the product
    /// (rows, K) · (K, O) with `beta` 0 — OpenBLAS's fastest form for these small, one-image
    /// products — then the bias and, when `relu`, the ReLU in one pass over the output.
    /// Equal to `forward` followed by `ReLU.forward` up to float rounding.
    /// - Parameter transposedWeight: (3, 3, C, O), `packTransposed(weight)`.
    public static func inferenceForward(
        output: UnsafeMutablePointer<Float>, columns: UnsafeMutablePointer<Float>,
        transposedWeight: UnsafePointer<Float>, input: UnsafePointer<Float>, bias: UnsafePointer<Float>, relu: Bool,
        batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int
    ) {
        let rows = batch * outputSide(height) * outputSide(width)
        let k = inChannels * 9
        im2col(columns, input, batch: batch, height: height, width: width, channels: inChannels)
        // OpenBLAS takes products of up to about 10⁶ multiply-adds through a small-matrix
        // kernel that packs nothing, and packs both operands above that. One image's second
        // and third convolutions are just above (1.18·10⁶): two half-products skip the packing.
        let halves = rows >= 2 && rows * outChannels * k > 1_000_000 && rows * outChannels * k <= 2_000_000
        if halves {
            let top = rows / 2
            BLAS.gemm(output, columns, transposedWeight, m: top, n: outChannels, k: k)
            BLAS.gemm(
                output + top * outChannels, columns + top * k, transposedWeight, m: rows - top, n: outChannels, k: k)
        } else {
            BLAS.gemm(output, columns, transposedWeight, m: rows, n: outChannels, k: k)
        }
        for r in 0..<rows {
            let row = output + r * outChannels
            if relu {
                for o in 0..<outChannels { row[o] = max(row[o] + bias[o], 0) }
            } else {
                for o in 0..<outChannels { row[o] += bias[o] }
            }
        }
    }

    /// Accumulates into `dWeight` and `dBias`; when `dInput` is given, overwrites it with the
    /// input gradient. Scratch: `dColumns` (`columnCount` floats) and `dPackedWeight`
    /// (O·C·9 floats).
    /// - Parameter inputMask: the input when it is the output of a ReLU: `dInput` is zero
    ///   wherever it is ≤ 0, which is that ReLU's backward, done in the same pass.
    public static func backward(
        dInput: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>,
        dBias: UnsafeMutablePointer<Float>, dColumns: UnsafeMutablePointer<Float>,
        dPackedWeight: UnsafeMutablePointer<Float>,
        dOutput: UnsafePointer<Float>, columns: UnsafePointer<Float>, packedWeight: UnsafePointer<Float>,
        inputMask: UnsafePointer<Float>? = nil,
        batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int
    ) {
        let rows = batch * outputSide(height) * outputSide(width)
        let c = inChannels, k = c * 9
        // dW (O, K) = dOutᵀ (O, rows) · columns (rows, K), in packed order; unpack-accumulate.
        BLAS.gemm(dPackedWeight, dOutput, columns, m: outChannels, n: k, k: rows, transposeA: true)
        for oc in 0..<outChannels {
            let src = dPackedWeight + oc * k, dst = dWeight + oc * k
            for ic in 0..<c {
                for tap in 0..<9 { dst[ic * 9 + tap] += src[tap * c + ic] }
            }
        }
        for r in 0..<rows {
            let row = dOutput + r * outChannels
            for o in 0..<outChannels { dBias[o] += row[o] }
        }
        guard let dInput else { return }
        // dColumns (rows, K) = dOut (rows, O) · W (O, K)
        BLAS.gemm(dColumns, dOutput, packedWeight, m: rows, n: k, k: outChannels)
        col2im(dInput, dColumns, mask: inputMask, batch: batch, height: height, width: width, channels: inChannels)
    }

    /// With stride 2 and padding 1 the three taps of one kernel row are the input pixels
    /// 2x-1, 2x, 2x+1 — adjacent, so channels-last makes them one run of 3·C floats: one copy
    /// per kernel row, minus the padding at the edges. The loops run per (output row, kernel
    /// row), so the row's bounds are worked out once and the inner loop over x only copies;
    /// only x = 0 (and the last x of an odd width) touch the padding.
    static func im2col(
        _ columns: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>,
        batch: Int, height: Int, width: Int, channels c: Int
    ) {
        let oh = outputSide(height), ow = outputSide(width)
        let k = 9 * c, run = 3 * c
        for b in 0..<batch {
            let image = input + b * height * width * c
            for y in 0..<oh {
                let rowStart = columns + (b * oh + y) * ow * k
                for kh in 0..<kernel {
                    let iy = y * stride - padding + kh
                    var dst = rowStart + kh * run
                    guard iy >= 0 && iy < height else {
                        for _ in 0..<ow {
                            dst.update(repeating: 0, count: run)
                            dst += k
                        }
                        continue
                    }
                    let source = image + iy * width * c
                    for x in 0..<ow {
                        let firstX = x &* stride &- padding
                        if firstX >= 0 && firstX &+ kernel <= width {
                            copy(dst, source + firstX &* c, count: run)
                        } else {
                            let skip = firstX < 0 ? -firstX : 0
                            let take = min(kernel, width - firstX) - skip
                            dst.update(repeating: 0, count: run)
                            if take > 0 { copy(dst + skip * c, source + (firstX + skip) * c, count: take * c) }
                        }
                        dst += k
                    }
                }
            }
        }
    }

    /// A plain loop for short runs (RGB's 9 floats), where memmove's call costs more than the copy.
    @inline(__always)
    private static func copy(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int) {
        if count >= 32 {
            dst.update(from: src, count: count)
        } else {
            for i in 0..<count { dst[i] = src[i] }
        }
    }

    /// The adjoint of im2col, as a gather: each input pixel sums the column entries that
    /// read it and is written once — no zeroing first, no read-modify-write. With stride 2 and
    /// padding 1, input coordinate 2t is read by output t through kernel offset 1, and 2t+1 by
    /// output t through offset 2 and by output t+1 (when there is one) through offset 0: one,
    /// two or four column entries per pixel. Where `mask` (the input, a ReLU's output) is ≤ 0
    /// the gradient is 0.
    static func col2im(
        _ dInput: UnsafeMutablePointer<Float>, _ dColumns: UnsafePointer<Float>, mask: UnsafePointer<Float>? = nil,
        batch: Int, height: Int, width: Int, channels c: Int
    ) {
        let oh = outputSide(height), ow = outputSide(width)
        let k = c * 9
        for b in 0..<batch {
            for iy in 0..<height {
                let y = iy >> 1, kh = iy & 1 == 0 ? 1 : 2
                let nextRow = iy & 1 == 1 && y + 1 < oh  // also read by output y+1, kernel row 0
                for ix in 0..<width {
                    let x = ix >> 1, kw = ix & 1 == 0 ? 1 : 2
                    let nextColumn = ix & 1 == 1 && x + 1 < ow
                    let pixel = (b * height + iy) * width + ix
                    let dst = dInput + pixel * c
                    // The column entry of output (oy, ox) at kernel tap (th, tw).
                    func entry(_ oy: Int, _ ox: Int, _ th: Int, _ tw: Int) -> UnsafePointer<Float> {
                        dColumns + ((b * oh + oy) * ow + ox) * k + (th * kernel + tw) * c
                    }
                    let first = entry(y, x, kh, kw)
                    for ch in 0..<c { dst[ch] = first[ch] }
                    if nextColumn {
                        let src = entry(y, x + 1, kh, 0)
                        for ch in 0..<c { dst[ch] += src[ch] }
                    }
                    if nextRow {
                        let src = entry(y + 1, x, 0, kw)
                        for ch in 0..<c { dst[ch] += src[ch] }
                        if nextColumn {
                            let corner = entry(y + 1, x + 1, 0, 0)
                            for ch in 0..<c { dst[ch] += corner[ch] }
                        }
                    }
                    if let mask { zeroWhereNotPositive(dst, mask + pixel * c, count: c) }
                }
            }
        }
    }

    /// `values[i] = 0` where `mask[i] ≤ 0`, eight lanes at a time: written as a scalar
    /// select, the compiler keeps a branch per element.
    @inline(__always)
    private static func zeroWhereNotPositive(
        _ values: UnsafeMutablePointer<Float>, _ mask: UnsafePointer<Float>, count: Int
    ) {
        let raw = UnsafeMutableRawPointer(values), rawMask = UnsafeRawPointer(mask)
        var i = 0
        while i + 8 <= count {
            let offset = i * MemoryLayout<Float>.stride
            var v = raw.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            let m = rawMask.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            v.replace(with: 0, where: m .<= 0)
            raw.storeBytes(of: v, toByteOffset: offset, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            if mask[i] <= 0 { values[i] = 0 }
            i += 1
        }
    }
}
