/// Resizes by area averaging: each output pixel is the mean of the input area it covers,
/// weighted by overlap. Exact for integer down-scaling (block mean) and replicates pixels
/// when scaling up. Separable: one horizontal pass, then one vertical pass.
public func areaResize(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
    precondition(width > 0 && height > 0)
    if image.width == width && image.height == height { return image }
    let resampler = AreaResampler(
        inputWidth: image.width, inputHeight: image.height, outputWidth: width, outputHeight: height)
    let rowLength = image.width * 3
    let pixels = image.pixels.withUnsafeBufferPointer { src in
        resampler.resize { y, row in
            guard let source = src.baseAddress, let target = row.baseAddress else { return }
            target.update(from: source + y * rowLength, count: rowLength)
        }
    }
    return RGBImage(width: width, height: height, pixels: pixels)
}

/// Area-average resampling of interleaved RGB rows that are produced one at a time, so a
/// large source (a decoded PNG) never needs to exist as a whole Float image.
struct AreaResampler {
    let inputWidth: Int
    let inputHeight: Int
    let outputWidth: Int
    let outputHeight: Int
    private let columns: SparseWeights  // output column → input columns
    private let rows: SparseWeights  // input row → output rows it contributes to

    init(inputWidth: Int, inputHeight: Int, outputWidth: Int, outputHeight: Int) {
        precondition(inputWidth > 0 && inputHeight > 0 && outputWidth > 0 && outputHeight > 0)
        self.inputWidth = inputWidth
        self.inputHeight = inputHeight
        self.outputWidth = outputWidth
        self.outputHeight = outputHeight
        columns = SparseWeights(areaWeights(from: inputWidth, to: outputWidth))
        // Transposed, so that each input row is added to its output rows as it arrives;
        // each output row still sums its input rows in ascending order.
        var byInputRow = [[(Int, Float)]](repeating: [], count: inputHeight)
        for (outputRow, weights) in areaWeights(from: inputHeight, to: outputHeight).enumerated() {
            for (inputRow, weight) in weights { byInputRow[inputRow].append((outputRow, weight)) }
        }
        rows = SparseWeights(byInputRow)
    }

    /// Calls `fillRow(y, buffer)` for y = 0..<inputHeight in order; the closure writes
    /// input row y (inputWidth × 3 floats) into the buffer. Returns (H_out, W_out, 3).
    func resize(fillRow: (Int, UnsafeMutableBufferPointer<Float>) -> Void) -> [Float] {
        let outputRowLength = outputWidth * 3
        var output = [Float](repeating: 0, count: outputHeight * outputRowLength)
        var inputRow = [Float](repeating: 0, count: inputWidth * 3)
        var horizontal = [Float](repeating: 0, count: outputRowLength)
        output.withUnsafeMutableBufferPointer { out in
            inputRow.withUnsafeMutableBufferPointer { src in
                horizontal.withUnsafeMutableBufferPointer { mid in
                    for y in 0..<inputHeight {
                        fillRow(y, src)
                        columns.apply(from: src, to: mid)
                        rows.forEach(y) { outputRow, weight in
                            let base = outputRow * outputRowLength
                            for i in 0..<outputRowLength { out[base + i] += weight * mid[i] }
                        }
                    }
                }
            }
        }
        return output
    }
}

/// A list of (index, weight) lists, stored flat.
private struct SparseWeights {
    private var starts: [Int] = [0]
    private var indices: [Int] = []
    private var weights: [Float] = []

    init(_ lists: [[(Int, Float)]]) {
        for list in lists {
            for (index, weight) in list {
                indices.append(index)
                weights.append(weight)
            }
            starts.append(indices.count)
        }
    }

    func forEach(_ list: Int, _ body: (Int, Float) -> Void) {
        for k in starts[list]..<starts[list + 1] { body(indices[k], weights[k]) }
    }

    /// Horizontal pass over one interleaved RGB row: dst[o] = Σ weight × src[index].
    func apply(from src: UnsafeMutableBufferPointer<Float>, to dst: UnsafeMutableBufferPointer<Float>) {
        indices.withUnsafeBufferPointer { indices in
            weights.withUnsafeBufferPointer { weights in
                for o in 0..<(starts.count - 1) {
                    var r: Float = 0, g: Float = 0, b: Float = 0
                    for k in starts[o]..<starts[o + 1] {
                        let s = indices[k] * 3
                        let weight = weights[k]
                        r += weight * src[s]
                        g += weight * src[s + 1]
                        b += weight * src[s + 2]
                    }
                    dst[o * 3] = r
                    dst[o * 3 + 1] = g
                    dst[o * 3 + 2] = b
                }
            }
        }
    }
}

/// For each output index, the input indices it overlaps and their weights (summing to 1).
private func areaWeights(from inputSize: Int, to outputSize: Int) -> [[(Int, Float)]] {
    let scale = Double(inputSize) / Double(outputSize)
    return (0..<outputSize).map { o in
        let start = Double(o) * scale
        let end = Double(o + 1) * scale
        var weights: [(Int, Float)] = []
        var i = Int(start)
        while Double(i) < end && i < inputSize {
            let overlap = min(end, Double(i + 1)) - max(start, Double(i))
            if overlap > 1e-12 { weights.append((i, Float(overlap / scale))) }
            i += 1
        }
        return weights
    }
}
