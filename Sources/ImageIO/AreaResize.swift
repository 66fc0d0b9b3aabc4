/// Resizes by area averaging: each output pixel is the mean of the input area it covers,
/// weighted by overlap. Exact for integer down-scaling (block mean) and replicates pixels
/// when scaling up. Separable: one horizontal pass, then one vertical pass.
public func areaResize(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
    precondition(width > 0 && height > 0)
    if image.width == width && image.height == height { return image }
    let xWeights = areaWeights(from: image.width, to: width)
    let yWeights = areaWeights(from: image.height, to: height)

    // Horizontal: (H_in, W_in, 3) → (H_in, W_out, 3)
    var horizontal = [Float](repeating: 0, count: image.height * width * 3)
    image.pixels.withUnsafeBufferPointer { src in
        horizontal.withUnsafeMutableBufferPointer { dst in
            for y in 0..<image.height {
                let srcRow = y * image.width * 3
                let dstRow = y * width * 3
                for x in 0..<width {
                    var r: Float = 0, g: Float = 0, b: Float = 0
                    for (index, weight) in xWeights[x] {
                        let s = srcRow + index * 3
                        r += weight * src[s]
                        g += weight * src[s + 1]
                        b += weight * src[s + 2]
                    }
                    dst[dstRow + x * 3] = r
                    dst[dstRow + x * 3 + 1] = g
                    dst[dstRow + x * 3 + 2] = b
                }
            }
        }
    }
    // Vertical: (H_in, W_out, 3) → (H_out, W_out, 3)
    var out = [Float](repeating: 0, count: height * width * 3)
    let rowLength = width * 3
    horizontal.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            for y in 0..<height {
                let dstRow = y * rowLength
                for (index, weight) in yWeights[y] {
                    let srcRow = index * rowLength
                    for i in 0..<rowLength { dst[dstRow + i] += weight * src[srcRow + i] }
                }
            }
        }
    }
    return RGBImage(width: width, height: height, pixels: out)
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
