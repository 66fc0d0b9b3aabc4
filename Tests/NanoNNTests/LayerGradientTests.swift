import GradientChecking
@testable import NanoNN
import NanoTensor
import TestSupport
import XCTest

final class LayerGradientTests: XCTestCase {
    func testConv2DBackwardMatchesFiniteDifferences() {
        let (b, h, w, c, o) = (2, 6, 6, 3, 4)
        let oh = Conv2D.outputSide(h), ow = Conv2D.outputSide(w)
        XCTAssertEqual(oh, 3)
        let weight = randomValues(o * c * 9, seed: 2, scale: 0.5)
        let bias = randomValues(o, seed: 3)
        let r = randomValues(b * oh * ow * o, seed: 4)
        let columnCount = Conv2D.columnCount(batch: b, height: h, width: w, inChannels: c)

        // Plain, and as in the encoder: a ReLU output in (its mask folded into the input
        // gradient) and a ReLU on the output.
        for relu in [false, true] {
            // Away from ReLU's kink, where finite differences are meaningless.
            let raw = randomValues(b * h * w * c, seed: 1, avoidingZero: true)
            let input = relu ? raw.map { max($0, 0) } : raw
            func run(_ x: [Float], _ wt: [Float], _ bs: [Float]) -> Double {
                let out = FloatBuffer(count: b * oh * ow * o), cols = FloatBuffer(count: columnCount)
                let packed = FloatBuffer(count: wt.count)
                Conv2D.pack(packed.pointer, wt, inChannels: c, outChannels: o)
                // The input's ReLU is part of the function when it is masked.
                let xin = relu ? x.map { max($0, 0) } : x
                Conv2D.forward(
                    output: out.pointer, columns: cols.pointer, packedWeight: packed.pointer, input: xin, bias: bs,
                    relu: relu, batch: b, height: h, width: w, inChannels: c, outChannels: o)
                return weightedSum(out.pointer, r)
            }
            let out = FloatBuffer(count: b * oh * ow * o), cols = FloatBuffer(count: columnCount)
            let packed = FloatBuffer(count: weight.count)
            Conv2D.pack(packed.pointer, weight, inChannels: c, outChannels: o)
            Conv2D.forward(
                output: out.pointer, columns: cols.pointer, packedWeight: packed.pointer, input: input, bias: bias,
                relu: relu, batch: b, height: h, width: w, inChannels: c, outChannels: o)
            // The output ReLU's backward is the caller's: mask the upstream gradient here.
            let dOut = zip(r, out.array).map { relu && $1 <= 0 ? 0 : $0 }
            // dInput is overwritten: start it from garbage.
            let dx = FloatBuffer(count: input.count)
            for i in 0..<dx.count { dx[i] = 1e6 }
            let dw = FloatBuffer(count: weight.count)
            let db = FloatBuffer(count: o), dcols = FloatBuffer(count: columnCount)
            let dPacked = FloatBuffer(count: weight.count)
            input.withUnsafeBufferPointer { mask in
                Conv2D.backward(
                    dInput: dx.pointer, dWeight: dw.pointer, dBias: db.pointer, dColumns: dcols.pointer,
                    dPackedWeight: dPacked.pointer, dOutput: dOut, columns: cols.pointer, packedWeight: packed.pointer,
                    inputMask: relu ? mask.baseAddress : nil, batch: b, height: h, width: w, inChannels: c, outChannels: o)
            }
            let label = relu ? "conv2d with ReLUs" : "conv2d"
            checkGradient("\(label) input", parameters: raw, analytic: dx.array) { run($0, weight, bias) }
            checkGradient("\(label) weight", parameters: weight, analytic: dw.array) { run(raw, $0, bias) }
            checkGradient("\(label) bias", parameters: bias, analytic: db.array) { run(raw, weight, $0) }
        }
    }

    /// The gather col2im is im2col's adjoint on every shape the encoder meets and on odd
    /// sides: ⟨im2col(x), y⟩ = ⟨x, col2im(y)⟩.
    func testCol2imIsTheAdjointOfIm2col() {
        for (b, h, w, c) in [(2, 32, 32, 3), (1, 16, 16, 8), (3, 5, 7, 2), (2, 2, 2, 4), (1, 1, 1, 3), (1, 3, 3, 1)] {
            let count = Conv2D.columnCount(batch: b, height: h, width: w, inChannels: c)
            let x = randomValues(b * h * w * c, seed: 21), y = randomValues(count, seed: 22)
            let columns = FloatBuffer(count: count), back = FloatBuffer(count: x.count)
            Conv2D.im2col(columns.pointer, x, batch: b, height: h, width: w, channels: c)
            Conv2D.col2im(back.pointer, y, batch: b, height: h, width: w, channels: c)
            let left = (0..<count).reduce(0.0) { $0 + Double(columns[$1]) * Double(y[$1]) }
            let right = (0..<x.count).reduce(0.0) { $0 + Double(x[$1]) * Double(back[$1]) }
            XCTAssertEqual(left, right, accuracy: 1e-4 * max(1, abs(left)), "\(b)×\(h)×\(w)×\(c)")
        }
    }

    /// Both forwards against an independent, loop-by-loop PyTorch-semantics convolution (NCHW
    /// weight, zero padding): odd sides, several images, RGB's three channels, and one image of
    /// the second layer's shape, whose inference product is split in two.
    func testConv2DMatchesDirectConvolution() {
        for (b, h, w, c, o) in [(1, 4, 4, 2, 3), (3, 5, 7, 3, 4), (2, 2, 2, 4, 5), (1, 16, 16, 32, 64)] {
            let (oh, ow) = (Conv2D.outputSide(h), Conv2D.outputSide(w))
            let input = randomValues(b * h * w * c, seed: 11)
            let weight = randomValues(o * c * 9, seed: 12)
            let bias = randomValues(o, seed: 13)
            var expected = [Float](repeating: 0, count: b * oh * ow * o)
            for n in 0..<b {
                for y in 0..<oh {
                    for x in 0..<ow {
                        for oc in 0..<o {
                            var s = bias[oc]
                            for ic in 0..<c {
                                for kh in 0..<3 {
                                    for kw in 0..<3 {
                                        let iy = y * 2 - 1 + kh, ix = x * 2 - 1 + kw
                                        guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                        s += weight[((oc * c + ic) * 3 + kh) * 3 + kw] * input[((n * h + iy) * w + ix) * c + ic]
                                    }
                                }
                            }
                            expected[((n * oh + y) * ow + x) * o + oc] = s
                        }
                    }
                }
            }
            let cols = FloatBuffer(count: Conv2D.columnCount(batch: b, height: h, width: w, inChannels: c))
            let packed = FloatBuffer(count: weight.count)
            let out = FloatBuffer(count: expected.count)
            Conv2D.pack(packed.pointer, weight, inChannels: c, outChannels: o)
            Conv2D.forward(
                output: out.pointer, columns: cols.pointer, packedWeight: packed.pointer, input: input, bias: bias,
                batch: b, height: h, width: w, inChannels: c, outChannels: o)
            let shape = "\(b)×\(h)×\(w)×\(c) → \(o)"
            XCTAssertLessThan(maxDifference(out.array, expected), 1e-4, "forward, \(shape)")

            Conv2D.packTransposed(packed.pointer, weight, inChannels: c, outChannels: o)
            for relu in [false, true] {
                let inference = FloatBuffer(count: expected.count)
                Conv2D.inferenceForward(
                    output: inference.pointer, columns: cols.pointer, transposedWeight: packed.pointer, input: input,
                    bias: bias, relu: relu, batch: b, height: h, width: w, inChannels: c, outChannels: o)
                let want = relu ? expected.map { max($0, 0) } : expected
                XCTAssertLessThan(maxDifference(inference.array, want), 1e-4, "inference, relu \(relu), \(shape)")
            }
        }
    }

    private func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
    }

    func testReLUBackward() {
        let n = 50
        let input = randomValues(n, seed: 5, avoidingZero: true)
        let r = randomValues(n, seed: 6)
        func run(_ x: [Float]) -> Double {
            let out = FloatBuffer(count: n)
            ReLU.forward(output: out.pointer, input: x, count: n)
            return weightedSum(out.pointer, r)
        }
        let out = FloatBuffer(count: n)
        ReLU.forward(output: out.pointer, input: input, count: n)
        let dx = FloatBuffer(count: n)
        ReLU.backward(dInput: dx.pointer, dOutput: r, output: out.pointer, count: n)
        checkGradient("relu", parameters: input, analytic: dx.array, epsilon: 1e-3, loss: run)
    }

    func testLinearBackward() {
        let (n, i, o) = (5, 7, 3)
        let input = randomValues(n * i, seed: 7), weight = randomValues(o * i, seed: 8), bias = randomValues(o, seed: 9)
        let r = randomValues(n * o, seed: 10)
        func run(_ x: [Float], _ wt: [Float], _ bs: [Float]) -> Double {
            let out = FloatBuffer(count: n * o)
            Linear.forward(output: out.pointer, input: x, weight: wt, bias: bs, rows: n, inFeatures: i, outFeatures: o)
            return weightedSum(out.pointer, r)
        }
        let dx = FloatBuffer(count: n * i), dw = FloatBuffer(count: o * i), db = FloatBuffer(count: o)
        Linear.backward(
            dInput: dx.pointer, dWeight: dw.pointer, dBias: db.pointer, dOutput: r, input: input, weight: weight,
            rows: n, inFeatures: i, outFeatures: o)
        checkGradient("linear input", parameters: input, analytic: dx.array) { run($0, weight, bias) }
        checkGradient("linear weight", parameters: weight, analytic: dw.array) { run(input, $0, bias) }
        checkGradient("linear bias", parameters: bias, analytic: db.array) { run(input, weight, $0) }
    }

    func testLayerNormBackward() {
        let (n, d) = (4, 8)
        let input = randomValues(n * d, seed: 20, scale: 2)
        let weight = randomValues(d, seed: 21), bias = randomValues(d, seed: 22)
        let r = randomValues(n * d, seed: 23)
        func run(_ x: [Float], _ wt: [Float], _ bs: [Float]) -> Double {
            let out = FloatBuffer(count: n * d), mean = FloatBuffer(count: n), rstd = FloatBuffer(count: n)
            LayerNorm.forward(
                output: out.pointer, mean: mean.pointer, rstd: rstd.pointer, input: x, weight: wt, bias: bs, rows: n, dim: d)
            return weightedSum(out.pointer, r)
        }
        let out = FloatBuffer(count: n * d), mean = FloatBuffer(count: n), rstd = FloatBuffer(count: n)
        LayerNorm.forward(
            output: out.pointer, mean: mean.pointer, rstd: rstd.pointer, input: input, weight: weight, bias: bias,
            rows: n, dim: d)
        // The normalised rows have zero mean and unit variance before the affine part.
        let dx = FloatBuffer(count: n * d), dw = FloatBuffer(count: d), db = FloatBuffer(count: d)
        LayerNorm.backward(
            dInput: dx.pointer, dWeight: dw.pointer, dBias: db.pointer, dOutput: r, input: input,
            mean: mean.pointer, rstd: rstd.pointer, weight: weight, rows: n, dim: d)
        checkGradient("layernorm input", parameters: input, analytic: dx.array, epsilon: 1e-3) { run($0, weight, bias) }
        checkGradient("layernorm weight", parameters: weight, analytic: dw.array) { run(input, $0, bias) }
        checkGradient("layernorm bias", parameters: bias, analytic: db.array) { run(input, weight, $0) }
    }

    func testL2NormalizeBackward() {
        let (n, d) = (3, 6)
        let input = randomValues(n * d, seed: 30)
        let r = randomValues(n * d, seed: 31)
        func run(_ x: [Float]) -> Double {
            let out = FloatBuffer(count: n * d), norms = FloatBuffer(count: n)
            L2Normalize.forward(output: out.pointer, norms: norms.pointer, input: x, rows: n, dim: d)
            return weightedSum(out.pointer, r)
        }
        let out = FloatBuffer(count: n * d), norms = FloatBuffer(count: n)
        L2Normalize.forward(output: out.pointer, norms: norms.pointer, input: input, rows: n, dim: d)
        for row in 0..<n {
            var s: Float = 0
            for i in 0..<d { s += out[row * d + i] * out[row * d + i] }
            XCTAssertEqual(s, 1, accuracy: 1e-5)
        }
        let dx = FloatBuffer(count: n * d)
        L2Normalize.backward(dInput: dx.pointer, dOutput: r, output: out.pointer, norms: norms.pointer, rows: n, dim: d)
        checkGradient("l2 normalize", parameters: input, analytic: dx.array, epsilon: 1e-3, loss: run)
    }

    func testEmbeddingAndMaskedMeanBackward() {
        let (vocab, dim, batch, maxLength) = (6, 4, 3, 4)
        let table = randomValues(vocab * dim, seed: 40)
        let tokens: [Int32] = [0, 1, 2, 3, 0, 4, 5, 5, 0, 2, 0, 0]  // third row padded after 2
        let lengths: [Int32] = [4, 4, 2]
        let r = randomValues(batch * dim, seed: 41)
        func run(_ t: [Float]) -> Double {
            let gathered = FloatBuffer(count: batch * maxLength * dim), out = FloatBuffer(count: batch * dim)
            Embedding.forward(output: gathered.pointer, tokens: tokens, table: t, count: tokens.count, dim: dim)
            MaskedMeanPool.forward(
                output: out.pointer, input: gathered.pointer, lengths: lengths, batch: batch, maxLength: maxLength, dim: dim)
            return weightedSum(out.pointer, r)
        }
        let gathered = FloatBuffer(count: batch * maxLength * dim), out = FloatBuffer(count: batch * dim)
        Embedding.forward(output: gathered.pointer, tokens: tokens, table: table, count: tokens.count, dim: dim)
        MaskedMeanPool.forward(
            output: out.pointer, input: gathered.pointer, lengths: lengths, batch: batch, maxLength: maxLength, dim: dim)
        let dGathered = FloatBuffer(count: gathered.count), dTable = FloatBuffer(count: table.count)
        MaskedMeanPool.backward(
            dInput: dGathered.pointer, dOutput: r, lengths: lengths, batch: batch, maxLength: maxLength, dim: dim)
        Embedding.backward(dTable: dTable.pointer, dOutput: dGathered.pointer, tokens: tokens, count: tokens.count, dim: dim)
        checkGradient("embedding + masked mean", parameters: table, analytic: dTable.array, loss: run)
        // Padding never contributes: the padded positions of row 2 got no gradient.
        for t in 2..<4 {
            for i in 0..<dim { XCTAssertEqual(dGathered[(2 * maxLength + t) * dim + i], 0) }
        }
    }

    /// Runs InfoNCE forward and backward on (image, text) and checks the gradients in the
    /// image, the text and the scale against finite differences; returns the loss.
    @discardableResult
    func checkInfoNCE(
        _ name: String, image: [Float], text: [Float], scale: Float, batch b: Int, texts: Int? = nil, dim d: Int,
        positives: [Float]? = nil
    ) -> Float {
        let t = texts ?? b
        func forward(_ i: [Float], _ x: [Float], _ s: Float, _ sim: FloatBuffer, _ pr: FloatBuffer, _ pc: FloatBuffer)
            -> Float
        {
            guard let positives else {
                return InfoNCE.forward(
                    similarities: sim.pointer, rowProbabilities: pr.pointer, columnProbabilities: pc.pointer,
                    image: i, text: x, scale: s, batch: b, dim: d, texts: t)
            }
            return InfoNCE.forward(
                similarities: sim.pointer, rowProbabilities: pr.pointer, columnProbabilities: pc.pointer,
                image: i, text: x, scale: s, batch: b, dim: d, texts: t, positives: positives)
        }
        func run(_ i: [Float], _ x: [Float], _ s: Float) -> Double {
            Double(forward(i, x, s, FloatBuffer(count: b * t), FloatBuffer(count: b * t), FloatBuffer(count: b * t)))
        }
        let sim = FloatBuffer(count: b * t), pr = FloatBuffer(count: b * t), pc = FloatBuffer(count: b * t)
        let loss = forward(image, text, scale, sim, pr, pc)
        let di = FloatBuffer(count: b * d), dt = FloatBuffer(count: t * d), dl = FloatBuffer(count: b * t)
        let dScale: Float
        if let positives {
            dScale = InfoNCE.backward(
                dImage: di.pointer, dText: dt.pointer, dLogits: dl.pointer, similarities: sim.pointer,
                rowProbabilities: pr.pointer, columnProbabilities: pc.pointer, image: image, text: text,
                scale: scale, batch: b, dim: d, texts: t, positives: positives)
        } else {
            dScale = InfoNCE.backward(
                dImage: di.pointer, dText: dt.pointer, dLogits: dl.pointer, similarities: sim.pointer,
                rowProbabilities: pr.pointer, columnProbabilities: pc.pointer, image: image, text: text,
                scale: scale, batch: b, dim: d, texts: t)
        }
        checkGradient("\(name) image", parameters: image, analytic: di.array, epsilon: 1e-3) { run($0, text, scale) }
        checkGradient("\(name) text", parameters: text, analytic: dt.array, epsilon: 1e-3) { run(image, $0, scale) }
        checkGradient("\(name) scale", parameters: [scale], analytic: [dScale], epsilon: 1e-3) {
            run(image, text, $0[0])
        }
        return loss
    }

    /// (B, T) scaled similarities in double precision.
    func logits(_ image: [Float], _ text: [Float], batch b: Int, texts t: Int, dim d: Int, scale: Float) -> [[Double]] {
        (0..<b).map { i in
            (0..<t).map { j in Double(scale) * (0..<d).reduce(0) { $0 + Double(image[i * d + $1]) * Double(text[j * d + $1]) } }
        }
    }

    func testInfoNCEBackward() {
        let (b, d) = (5, 4)
        // Start from normalised rows, as in the model.
        let image = unitRows(randomValues(b * d, seed: 50), dim: d), text = unitRows(randomValues(b * d, seed: 51), dim: d)
        let loss = checkInfoNCE("infonce", image: image, text: text, scale: 3, batch: b, dim: d)
        // Independent reference: the loss straight from its definition, in double precision.
        let l = logits(image, text, batch: b, texts: b, dim: d, scale: 3)
        var reference: Double = 0
        for i in 0..<b {
            let column = (0..<b).map { l[$0][i] }
            reference += -l[i][i] + log(l[i].map(exp).reduce(0, +))
            reference += -column[i] + log(column.map(exp).reduce(0, +))
        }
        XCTAssertEqual(Double(loss), reference / Double(2 * b), accuracy: 1e-5)
    }

    /// Several images of one caption in a batch: the targets spread over the positives.
    func testMultiPositiveInfoNCEBackward() {
        let (b, d) = (5, 4)
        let classes = [0, 1, 0, 1, 1]
        var positives = [Float](repeating: 0, count: b * b)
        for i in 0..<b { for j in 0..<b where classes[i] == classes[j] { positives[i * b + j] = 1 } }
        let image = unitRows(randomValues(b * d, seed: 52), dim: d), text = unitRows(randomValues(b * d, seed: 53), dim: d)
        let scale: Float = 2.5
        let loss = checkInfoNCE(
            "multi-positive", image: image, text: text, scale: scale, batch: b, dim: d, positives: positives)
        // Reference from the definition: cross-entropy against the uniform distribution over
        // each row's (column's) positives, in double precision.
        let l = logits(image, text, batch: b, texts: b, dim: d, scale: scale)
        var reference: Double = 0
        for i in 0..<b {
            let row = l[i], column = (0..<b).map { l[$0][i] }
            let mates = (0..<b).filter { classes[$0] == classes[i] }
            let rowLog = log(row.map(exp).reduce(0, +)), columnLog = log(column.map(exp).reduce(0, +))
            for j in mates {
                reference += -(row[j] - rowLog) / Double(mates.count)
                reference += -(column[j] - columnLog) / Double(mates.count)
            }
        }
        XCTAssertEqual(Double(loss), reference / Double(2 * b), accuracy: 1e-5)
        // Not the identity-target loss: the positives change it.
        let plain = FloatBuffer(count: b * b), pr = FloatBuffer(count: b * b), pc = FloatBuffer(count: b * b)
        XCTAssertNotEqual(
            loss,
            InfoNCE.forward(
                similarities: plain.pointer, rowProbabilities: pr.pointer, columnProbabilities: pc.pointer,
                image: image, text: text, scale: scale, batch: b, dim: d),
            accuracy: 1e-3)
    }

    /// Extra negative texts (hard negatives): rows over all texts, columns over the pairs.
    func testInfoNCEWithExtraNegativesBackward() {
        // 4 pairs and 3 extra negative texts; negative 5 is also true of image 2.
        let (b, t, d) = (4, 7, 4)
        var positives = [Float](repeating: 0, count: b * t)
        for i in 0..<b { positives[i * t + i] = 1 }
        positives[2 * t + 5] = 1
        let image = unitRows(randomValues(b * d, seed: 54), dim: d), text = unitRows(randomValues(t * d, seed: 55), dim: d)
        let loss = checkInfoNCE(
            "hard-negative", image: image, text: text, scale: 3, batch: b, texts: t, dim: d, positives: positives)
        // Reference from the definition, in double precision: rows over all 7 texts against
        // the row's positives, columns over the 4 images for the first 4 texts only.
        let l = logits(image, text, batch: b, texts: t, dim: d, scale: 3)
        var reference: Double = 0
        for i in 0..<b {
            let rowLog = log(l[i].map(exp).reduce(0, +))
            let mates = (0..<t).filter { positives[i * t + $0] > 0 }
            for j in mates { reference -= (l[i][j] - rowLog) / Double(mates.count) }
        }
        for j in 0..<b {
            let column = (0..<b).map { l[$0][j] }
            reference -= column[j] - log(column.map(exp).reduce(0, +))
        }
        XCTAssertEqual(Double(loss), reference / Double(2 * b), accuracy: 1e-5)
    }

    func testAdamMatchesHandComputedSteps() {
        // Two steps of Adam on one parameter, against the update rule written out.
        var adam = Adam(learningRate: 0.1)
        let p = FloatBuffer([1.0]), m = FloatBuffer(count: 1), v = FloatBuffer(count: 1)
        adam.update(parameters: p.pointer, gradients: [0.5], firstMoment: m.pointer, secondMoment: v.pointer, count: 1)
        // Step 1: m̂ = g, v̂ = g², update = lr · g / (|g| + ε) ≈ lr.
        XCTAssertEqual(p[0], 1 - 0.1 * 0.5 / (0.5 + 1e-8), accuracy: 1e-6)
        adam.update(parameters: p.pointer, gradients: [-1.0], firstMoment: m.pointer, secondMoment: v.pointer, count: 1)
        let m2 = 0.9 * 0.05 + 0.1 * -1.0, v2 = 0.999 * 0.00025 + 0.001 * 1.0
        let mHat = m2 / (1 - 0.81), vHat = v2 / (1 - 0.998001)
        XCTAssertEqual(Double(p[0]), 1 - 0.1 * 0.5 / (0.5 + 1e-8) - 0.1 * mHat / (vHat.squareRoot() + 1e-8), accuracy: 1e-5)
        XCTAssertEqual(adam.step, 2)
    }

    /// Decoupled weight decay as torch.optim.AdamW applies it: p ← p · (1 − lr · λ), then the
    /// Adam step; a zero gradient still shrinks the parameter.
    func testAdamWeightDecayIsDecoupled() {
        var adam = Adam(learningRate: 0.1, weightDecay: 0.5)
        let p = FloatBuffer([2.0, -1.0]), m = FloatBuffer(count: 2), v = FloatBuffer(count: 2)
        adam.update(parameters: p.pointer, gradients: [0.5, 0], firstMoment: m.pointer, secondMoment: v.pointer, count: 2)
        let decayed: Float = 2 * (1 - 0.05), step: Float = 0.1 * 0.5 / (0.5 + 1e-8)
        XCTAssertEqual(p[0], decayed - step, accuracy: 1e-6)
        XCTAssertEqual(p[1], -0.95, accuracy: 1e-7)
        adam.learningRate = 0.01
        adam.update(parameters: p.pointer, gradients: [0.5, 0], firstMoment: m.pointer, secondMoment: v.pointer, count: 2)
        let twice: Float = -0.95 * 0.995
        XCTAssertEqual(p[1], twice, accuracy: 1e-7)
    }

    /// The eight-lane path and the scalar tail give the bits of the update rule written out in
    /// Float, over a buffer that is not a multiple of eight, split over two threads.
    func testAdamLanesMatchTheRuleBitForBit() {
        let count = 8 * 1024 + 5
        var adam = Adam(learningRate: 0.01)
        let p = FloatBuffer(randomValues(count, seed: 21)), m = FloatBuffer(count: count), v = FloatBuffer(count: count)
        var (rp, rm, rv) = (p.array, m.array, v.array)
        for step in 1...3 {
            let g = randomValues(count, seed: 30 + UInt64(step))
            adam.update(parameters: p.pointer, gradients: g, firstMoment: m.pointer, secondMoment: v.pointer, count: count, threads: 2)
            let c1 = 1 - powf(0.9, Float(step)), c2 = 1 - powf(0.999, Float(step))
            for i in 0..<count {
                rm[i] = 0.9 * rm[i] + (1 - 0.9) * g[i]
                rv[i] = 0.999 * rv[i] + (1 - 0.999) * g[i] * g[i]
                rp[i] -= 0.01 * (rm[i] / c1) / ((rv[i] / c2).squareRoot() + 1e-8)
            }
        }
        XCTAssertEqual(p.array.map(\.bitPattern), rp.map(\.bitPattern))
        XCTAssertEqual(m.array.map(\.bitPattern), rm.map(\.bitPattern))
        XCTAssertEqual(v.array.map(\.bitPattern), rv.map(\.bitPattern))
    }
}

/// Rows of `dim` scaled to unit length, as the model's embeddings are.
private func unitRows(_ v: [Float], dim d: Int) -> [Float] {
    var out = v
    for r in 0..<(v.count / d) {
        var s: Float = 0
        for i in 0..<d { s += v[r * d + i] * v[r * d + i] }
        for i in 0..<d { out[r * d + i] = v[r * d + i] / s.squareRoot() }
    }
    return out

    /// The few-rows product (the caption decoder's steps) equals sgemm's, with and without a
    /// bias, and falls back to it for shapes its lanes do not fit.
    func testFewRowsLinearMatchesTheBLASProduct() {
        for (rows, inFeatures, outFeatures) in [(1, 64, 192), (3, 128, 64), (5, 16, 8), (2, 20, 6)] {
            let x = randomValues(rows * inFeatures, seed: 61), w = randomValues(outFeatures * inFeatures, seed: 62)
            let b = randomValues(outFeatures, seed: 63)
            for bias in [b, nil] as [[Float]?] {
                let expected = FloatBuffer(count: rows * outFeatures), got = FloatBuffer(count: rows * outFeatures)
                Linear.forward(
                    output: expected.pointer, input: x, weight: w, bias: bias, rows: rows, inFeatures: inFeatures,
                    outFeatures: outFeatures)
                Linear.forwardFewRows(
                    output: got.pointer, input: x, weight: w, bias: bias, rows: rows, inFeatures: inFeatures,
                    outFeatures: outFeatures)
                for k in 0..<(rows * outFeatures) { XCTAssertEqual(got[k], expected[k], accuracy: 1e-4) }
            }
        }
    }
}
