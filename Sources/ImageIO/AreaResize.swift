/// Resizes by area averaging: each output pixel is the mean of the input area it covers,
/// weighted by overlap. Exact for integer down-scaling (block mean) and replicates pixels
/// when scaling up. Separable: one horizontal pass, then one vertical pass.
public func areaResize(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
    precondition(width > 0 && height > 0)
    return resample(ImageRows(image: image), window: .whole(image.width, image.height), width: width, height: height)
}

/// A rectangle of an image in its pixel coordinates. The edges may fall inside pixels: a
/// crop chosen on the full-size image and mapped onto a DCT-scaled decode of it.
struct SourceWindow: Equatable {
    var x: Double
    var y: Double
    var width: Double
    var height: Double

    static func whole(_ width: Int, _ height: Int) -> SourceWindow {
        SourceWindow(x: 0, y: 0, width: Double(width), height: Double(height))
    }

    func scaled(by factor: Double) -> SourceWindow {
        SourceWindow(x: x * factor, y: y * factor, width: width * factor, height: height * factor)
    }
}

/// Decoded pixels that are read one row at a time, as Floats in [0, 1].
protocol RowSource {
    var width: Int { get }
    var height: Int { get }
    /// Writes `count` pixels of row y, from column x on, as count × 3 Floats.
    func convertRow(_ y: Int, from x: Int, count: Int, into out: UnsafeMutablePointer<Float>)
}

/// Every row of `rows` as one image.
func wholeImage(_ rows: some RowSource) -> RGBImage {
    let rowLength = rows.width * 3
    let pixels = [Float](unsafeUninitializedCapacity: rowLength * rows.height) { buffer, count in
        guard let base = buffer.baseAddress else { return }
        for y in 0..<rows.height { rows.convertRow(y, from: 0, count: rows.width, into: base + y * rowLength) }
        count = rowLength * rows.height
    }
    return RGBImage(width: rows.width, height: rows.height, pixels: pixels)
}

/// The `window` of `rows` area-averaged to width×height, converting only the rows and
/// columns the window touches, one row at a time.
func resample(_ rows: some RowSource, window: SourceWindow, width: Int, height: Int) -> RGBImage {
    // Already the wanted size: area averaging would reproduce every value exactly.
    if window == .whole(rows.width, rows.height) && width == rows.width && height == rows.height {
        return wholeImage(rows)
    }
    let resampler = AreaResampler(
        inputWidth: rows.width, inputHeight: rows.height, window: window, outputWidth: width, outputHeight: height)
    let first = resampler.columns.lowerBound
    let count = resampler.columns.count
    let pixels = resampler.resize { y, row in
        guard let base = row.baseAddress else { return }
        rows.convertRow(y, from: first, count: count, into: base)
    }
    return RGBImage(width: width, height: height, pixels: pixels)
}

/// An RGBImage read as rows.
private struct ImageRows: RowSource {
    let image: RGBImage
    var width: Int { image.width }
    var height: Int { image.height }

    func convertRow(_ y: Int, from x: Int, count: Int, into out: UnsafeMutablePointer<Float>) {
        image.pixels.withUnsafeBufferPointer { source in
            guard let base = source.baseAddress else { return }
            out.update(from: base + (y * image.width + x) * 3, count: count * 3)
        }
    }
}

/// Area-average resampling of a window of interleaved RGB rows that are produced one at a
/// time, so a large source (a decoded PNG or JPEG) never needs to exist as a Float image.
struct AreaResampler {
    let inputWidth: Int
    let inputHeight: Int
    let outputWidth: Int
    let outputHeight: Int
    /// The input columns and rows the window touches; no others are read.
    let columns: Range<Int>
    let rows: Range<Int>
    private let columnWeights: SparseWeights  // output column → input columns (from columns.lowerBound)
    private let rowWeights: SparseWeights  // input row (from rows.lowerBound) → output rows it contributes to

    init(inputWidth: Int, inputHeight: Int, outputWidth: Int, outputHeight: Int) {
        self.init(
            inputWidth: inputWidth, inputHeight: inputHeight, window: .whole(inputWidth, inputHeight),
            outputWidth: outputWidth, outputHeight: outputHeight)
    }

    init(inputWidth: Int, inputHeight: Int, window: SourceWindow, outputWidth: Int, outputHeight: Int) {
        precondition(inputWidth > 0 && inputHeight > 0 && outputWidth > 0 && outputHeight > 0)
        precondition(window.width > 0 && window.height > 0)
        self.inputWidth = inputWidth
        self.inputHeight = inputHeight
        self.outputWidth = outputWidth
        self.outputHeight = outputHeight
        let byColumn = areaWeights(
            start: window.x, length: window.width, inputSize: inputWidth, outputSize: outputWidth)
        let byRow = areaWeights(
            start: window.y, length: window.height, inputSize: inputHeight, outputSize: outputHeight)
        columns = touched(byColumn)
        rows = touched(byRow)
        let firstColumn = columns.lowerBound
        columnWeights = SparseWeights(byColumn.map { list in list.map { ($0.0 - firstColumn, $0.1) } })
        // Transposed, so that each input row is added to its output rows as it arrives;
        // each output row still sums its input rows in ascending order.
        var byInputRow = [[(Int, Float)]](repeating: [], count: rows.count)
        for (outputRow, weights) in byRow.enumerated() {
            for (inputRow, weight) in weights { byInputRow[inputRow - rows.lowerBound].append((outputRow, weight)) }
        }
        rowWeights = SparseWeights(byInputRow)
    }

    /// Calls `fillRow(y, buffer)` for each y in `rows`, in order; the closure writes input
    /// row y's pixels `columns` (columns.count × 3 floats) into the buffer. Returns
    /// (H_out, W_out, 3).
    func resize(fillRow: (Int, UnsafeMutableBufferPointer<Float>) -> Void) -> [Float] {
        let outputRowLength = outputWidth * 3
        var output = [Float](repeating: 0, count: outputHeight * outputRowLength)
        var inputRow = [Float](repeating: 0, count: columns.count * 3)
        var horizontal = [Float](repeating: 0, count: outputRowLength)
        output.withUnsafeMutableBufferPointer { out in
            inputRow.withUnsafeMutableBufferPointer { src in
                horizontal.withUnsafeMutableBufferPointer { mid in
                    for y in rows {
                        fillRow(y, src)
                        columnWeights.apply(from: src, to: mid)
                        rowWeights.forEach(y - rows.lowerBound) { outputRow, weight in
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

/// The smallest index range holding every index of `lists`.
private func touched(_ lists: [[(Int, Float)]]) -> Range<Int> {
    let indices = lists.flatMap { $0.map(\.0) }
    guard let low = indices.min(), let high = indices.max() else { return 0..<1 }
    return low..<(high + 1)
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

/// For each output index o, the input indices that the span [start + o·scale,
/// start + (o+1)·scale) overlaps (scale = length / outputSize), with weights summing to 1.
private func areaWeights(start: Double, length: Double, inputSize: Int, outputSize: Int) -> [[(Int, Float)]] {
    let scale = length / Double(outputSize)
    return (0..<outputSize).map { o in
        let low = start + Double(o) * scale
        let high = start + Double(o + 1) * scale
        var weights: [(Int, Float)] = []
        var i = max(0, Int(low.rounded(.down)))
        while Double(i) < high && i < inputSize {
            let overlap = min(high, Double(i + 1)) - max(low, Double(i))
            if overlap > 1e-12 { weights.append((i, Float(overlap / scale))) }
            i += 1
        }
        // A span that rounding put past the last pixel still reads that pixel.
        if weights.isEmpty { weights.append((min(max(i - 1, 0), inputSize - 1), 1)) }
        return weights
    }
}
