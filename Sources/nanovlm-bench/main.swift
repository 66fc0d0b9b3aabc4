import Datasets
import Foundation
@_spi(Benchmarks) import ImageIO
import NanoTensor
import NanoVLM
import NanoVLMService

// nanovlm-bench: in-process benchmarks with a baseline measured in the same run, because
// the machine is shared and noisy. Prints one markdown table per mode.
//   nanovlm-bench sgemm | model | train | encoders | data-decode
BLASKernel.reexecuteIfGeneric()

func now() -> Double { Date().timeIntervalSince1970 }

/// The encoders alone: the training benchmarks time and count the contrastive model (the caption
/// decoder trains after it, on frozen encoders, and is measured by `nanovlm train` and `eval`).
func encodersOnly(_ model: ModelConfiguration) -> ModelConfiguration {
    var config = model
    config.caption.enabled = false
    return config
}

/// Median seconds per call of `body` over `rounds` rounds of `iterations` calls.
func measure(rounds: Int = 5, iterations: Int, _ body: () -> Void) -> Double {
    body()  // warm-up
    var samples: [Double] = []
    for _ in 0..<rounds {
        let start = now()
        for _ in 0..<iterations { body() }
        samples.append((now() - start) / Double(iterations))
    }
    return samples.sorted()[samples.count / 2]
}

/// GFLOP/s of an n×n×n sgemm on `threads` BLAS threads.
func sgemmGFLOPs(n: Int = 1024, threads: Int) -> Double {
    BLAS.setThreads(threads)
    let a = FloatBuffer((0..<(n * n)).map { Float($0 % 7) * 0.1 }), b = FloatBuffer(count: n * n),
        c = FloatBuffer(count: n * n)
    let seconds = measure(rounds: 5, iterations: 3) { BLAS.gemm(c.pointer, a.pointer, b.pointer, m: n, n: n, k: n) }
    return 2 * Double(n * n * n) / seconds / 1e9
}

/// Forward FLOPs of the CNN for one image.
func imageForwardFLOPs(_ config: ModelConfiguration) -> Double {
    let widths = [3] + config.channels + [config.embeddingDim]
    let sides = [16, 8, 4, 2, 1]
    var total = 0.0
    for i in 0..<5 {
        let positions = sides[i] * sides[i]
        total += 2 * Double(positions * 9 * widths[i] * widths[i + 1])
    }
    return total
}

/// Forward + backward FLOPs per training image: dW costs a forward, dX a forward except for layer 0.
func imageTrainingFLOPs(_ config: ModelConfiguration) -> Double {
    let first = 2.0 * Double(16 * 16 * 9 * 3 * config.channels[0])
    return 3 * imageForwardFLOPs(config) - first
}

/// The five products of one image's CNN forward, timed alone on one thread as the encoder
/// runs them ((rows, K) · (K, O), the two just above OpenBLAS's small-matrix limit in
/// halves) and in the other operand order ((rows, K) · (O, K)ᵀ): where the image time goes.
func printConvolutionProducts(_ config: ModelConfiguration, sgemm: Double) {
    let widths = [3] + config.channels + [config.embeddingDim]
    let sides = [16, 8, 4, 2, 1]
    print("\none image's convolution products alone, one thread, operands hot in cache\n")
    print(row(["conv", "rows × O × K", "as run (µs)", "GFLOP/s", "fraction of sgemm", "(O, K)ᵀ order, whole (µs)"]))
    print(row(["---", "---", "---", "---", "---", "---"]))
    var total = 0.0
    for i in 0..<5 {
        let m = sides[i] * sides[i], n = widths[i + 1], k = 9 * widths[i]
        let a = FloatBuffer((0..<(m * k)).map { Float($0 % 5) * 0.1 }),
            b = FloatBuffer((0..<(k * n)).map { Float($0 % 3) * 0.1 })
        let c = FloatBuffer(count: m * n)
        let halves = m >= 2 && m * n * k > 1_000_000 && m * n * k <= 2_000_000
        let asRun = measure(iterations: 2000) {
            if halves {
                BLAS.gemm(c.pointer, a.pointer, b.pointer, m: m / 2, n: n, k: k)
                BLAS.gemm(c.pointer + (m / 2) * n, a.pointer + (m / 2) * k, b.pointer, m: m - m / 2, n: n, k: k)
            } else {
                BLAS.gemm(c.pointer, a.pointer, b.pointer, m: m, n: n, k: k)
            }
        }
        let transposed = measure(iterations: 2000) {
            BLAS.gemm(c.pointer, a.pointer, b.pointer, m: m, n: n, k: k, transposeB: true)
        }
        total += asRun
        let rate = 2 * Double(m * n * k) / asRun / 1e9
        print(
            row([
                String(i), "\(m) × \(n) × \(k)\(halves ? " (2 halves)" : "")", f(asRun * 1e6, 1), f(rate, 1),
                f(rate / sgemm, 2),
                f(transposed * 1e6, 1),
            ]))
    }
    print(
        row([
            "all", "", f(total * 1e6, 1), f(imageForwardFLOPs(config) / total / 1e9, 1),
            f(imageForwardFLOPs(config) / total / 1e9 / sgemm, 2), "",
        ]))
}

/// A width×height RGB picture with gradients and a disc, like a photograph for a decoder.
func syntheticPicture(width: Int, height: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: width * height * 3)
    for y in 0..<height {
        for x in 0..<width {
            let inDisc =
                (x - width * 3 / 5) * (x - width * 3 / 5) + (y - height * 2 / 5) * (y - height * 2 / 5)
                < (min(width, height) / 4) * (min(width, height) / 4)
            let i = (y * width + x) * 3
            bytes[i] = inDisc ? 230 : UInt8(40 + 180 * x / max(width - 1, 1))
            bytes[i + 1] = inDisc ? 60 : UInt8(30 + 200 * y / max(height - 1, 1))
            bytes[i + 2] = UInt8((x * 7 + y * 3) % 256)
        }
    }
    return bytes
}

/// Images per second through ImageDecoding.decodeForModel (32×32, centre crop): a 32×32
/// PNG, a 640×480 JPEG and an 8192×8192 JPEG, the JPEGs with and without DCT scaling.
func printDataDecode() {
    struct Case {
        let name: String
        let bytes: [UInt8]
        let width: Int
        let height: Int
        let dctScaling: Bool
        let iterations: Int
    }
    let png = (try? PNGCodec.encode(Renderer.canonical(109))) ?? []
    func jpeg(_ width: Int, _ height: Int) -> [UInt8] {
        (try? JPEGCodec.encode(syntheticPicture(width: width, height: height), width: width, height: height)) ?? []
    }
    let vga = jpeg(640, 480)
    let huge = jpeg(8192, 8192)
    let cases = [
        Case(
            name: "PNG 32×32 (\(png.count) bytes)", bytes: png, width: 32, height: 32, dctScaling: true,
            iterations: 5000),
        Case(
            name: "JPEG 640×480 4:2:0 q90 (\(vga.count) bytes)", bytes: vga, width: 640, height: 480, dctScaling: true,
            iterations: 300),
        Case(
            name: "same JPEG, DCT scaling off", bytes: vga, width: 640, height: 480, dctScaling: false, iterations: 100),
        Case(
            name: "JPEG 8192×8192 4:2:0 q90 (\(huge.count) bytes)", bytes: huge, width: 8192, height: 8192,
            dctScaling: true, iterations: 2),
        Case(
            name: "same JPEG, DCT scaling off", bytes: huge, width: 8192, height: 8192, dctScaling: false, iterations: 1
        ),
    ]
    print(row(["decodeForModel → 32×32, crop centre", "decoded at", "pixel buffer (KiB)", "ms per image", "images/s"]))
    print(row(["---", "---", "---:", "---:", "---:"]))
    var sink: Float = 0
    for item in cases {
        let seconds = measure(rounds: item.iterations > 2 ? 5 : 3, iterations: item.iterations) {
            sink +=
                (try? ImageDecoding.decodeForModel(
                    item.bytes, side: 32, crop: .centre, maxDimension: ImageDecoding.maxDimension,
                    dctScaling: item.dctScaling))?.pixels[0] ?? 0
        }
        // What the decoder fills before averaging: libpng's rows, TurboJPEG's packed RGB.
        let isJPEG = ImageDecoding.format(of: item.bytes) == .jpeg
        let factor =
            isJPEG && item.dctScaling
            ? ImageDecoding.jpegScale(width: item.width, height: item.height, side: 32) : (numerator: 1, denominator: 1)
        let decodedWidth = (item.width * factor.numerator + factor.denominator - 1) / factor.denominator
        let decodedHeight = (item.height * factor.numerator + factor.denominator - 1) / factor.denominator
        let scale = isJPEG ? "DCT scale \(factor.numerator)/\(factor.denominator)" : "libpng"
        print(
            row([
                item.name, "\(decodedWidth)×\(decodedHeight) (\(scale))",
                f(Double(decodedWidth * decodedHeight * 3) / 1024, 0), f(seconds * 1e3, 3), f(1 / seconds, 0),
            ]))
        fflush(stdout)
    }
    if sink.isNaN { print("") }
}

func row(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |" }
func f(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }

let mode = CommandLine.arguments.dropFirst().first ?? "model"
print("BLAS core: \(BLAS.coreName)\n")

switch mode {
case "sgemm":
    print(row(["threads", "sgemm 1024³ GFLOP/s"]))
    print(row(["---", "---"]))
    for t in [1, 2] { print(row([String(t), f(sgemmGFLOPs(threads: t), 1)])) }

case "model":
    let single = sgemmGFLOPs(threads: 1)
    BLAS.setThreads(1)
    let shapes = ShapesDataset()
    let model = DualEncoder(config: ModelConfiguration(), vocabularySize: shapes.vocabulary.count)
    let index = RetrievalIndex(model: model, dataset: shapes)
    let image = Renderer.canonical(109)
    let batch = Array(Renderer.canonicalImages.prefix(64))
    let tokens = shapes.captionTokens(of: 109)
    let png = (try? PNGCodec.encode(image)) ?? []
    let perImage = imageForwardFLOPs(model.config)
    let embedding = model.embed(image: image)
    var sink: Float = 0
    let stages: [(String, Double, Double)] = [
        ("image embedding, 1 image", measure(iterations: 2000) { sink += model.embed(images: [image])[0] }, perImage),
        (
            "image embedding, batch of 64 (per image)",
            measure(iterations: 20) { sink += model.embed(images: batch)[0] } / 64, perImage
        ),
        (
            "text embedding, 1 caption",
            measure(iterations: 20000) { sink += model.embed(tokenSequences: [tokens])[0] }, 0
        ),
        (
            "rank 243 images for a caption (embed + score + sort)",
            measure(iterations: 5000) {
                sink += index.searchImages(tokens: tokens, k: 5)[0].score
            }, 0
        ),
        (
            "PNG decode + resize (32×32)",
            measure(iterations: 5000) {
                sink += (try? PNGCodec.decodeForModel(png))?.pixels[0] ?? 0
            }, 0
        ),
        (
            "rank 243 captions for an image (embed + score + sort)",
            measure(iterations: 2000) {
                sink += index.searchCaptions(image: image, k: 5)[0].score
            }, perImage
        ),
        // Three words and [EOS], as every shapes caption: the same steps trained or not.
        (
            "caption decoder alone, greedy (3 words)",
            measure(iterations: 2000) {
                sink += model.caption(embedding: embedding, beam: 1, maxWords: 3)?[0].logProbability ?? 0
            }, 0
        ),
        (
            "caption decoder alone, beam 3 (3 words)",
            measure(iterations: 1000) {
                sink += model.caption(embedding: embedding, beam: 3, maxWords: 3)?[0].logProbability ?? 0
            }, 0
        ),
        (
            "write a caption for an image (embed + beam 3)",
            measure(iterations: 1000) {
                sink += model.caption(image: image, beam: 3, maxWords: 3)?[0].logProbability ?? 0
            }, perImage
        ),
    ]
    print("single-thread sgemm 1024³: \(f(single, 1)) GFLOP/s\n")
    print(row(["stage", "time (µs)", "GFLOP/s", "fraction of sgemm"]))
    print(row(["---", "---", "---", "---"]))
    for (name, seconds, flops) in stages {
        let rate = flops / seconds / 1e9
        print(row([name, f(seconds * 1e6, 1), flops > 0 ? f(rate, 1) : "–", flops > 0 ? f(rate / single, 2) : "–"]))
    }
    if sink.isNaN { print("") }
    printConvolutionProducts(model.config, sgemm: single)

case "train":
    var training = TrainingConfiguration()
    let modelConfig = encodersOnly(ModelConfiguration())
    let double = sgemmGFLOPs(threads: training.threads)
    // Seconds per epoch of training alone (no validation pass), over a short run.
    var short = training
    short.epochs = 30
    let trainer = Trainer(model: modelConfig, training: short)
    trainer.evaluateEvery = Int.max
    var times: [Double] = []
    var last = 0.0
    _ = trainer.train { report in
        times.append(report.elapsed - last)
        last = report.elapsed
    }
    let perEpoch = times.dropFirst(2).sorted()[(times.count - 2) / 2]
    let flopsPerEpoch = Double(trainer.split.train.count) * imageTrainingFLOPs(modelConfig)
    // Time to target: the default run, validated every epoch; the first epoch from which
    // validation R@1 stays 100 % both ways to the end, and the robustness figure at the end.
    training = TrainingConfiguration()
    let start = now()
    let run = TrainingRun.run(model: modelConfig, training: training, saveTo: nil).checkpoint
    let total = now() - start
    guard let summary = run.summary, let report = run.metrics else { fatalError("a training run records both") }
    let targetEpoch = summary.targetEpoch
    print("sgemm 1024³ on \(training.threads) threads: \(f(double, 1)) GFLOP/s\n")
    print(row(["measure", "value"]))
    print(row(["---", "---"]))
    print(
        row([
            "seconds per epoch (194 pairs, batch \(training.batchSize), augmentation on, no validation pass)",
            f(perEpoch, 4),
        ]))
    print(
        row(["training GFLOP/s (\(f(flopsPerEpoch / 1e9, 2)) GFLOP per epoch)", f(flopsPerEpoch / perEpoch / 1e9, 1)]))
    print(row(["fraction of \(training.threads)-thread sgemm", f(flopsPerEpoch / perEpoch / 1e9 / double, 2)]))
    print(row(["default run: \(training.epochs) epochs with a validation pass each, seconds", f(total, 1)]))
    if let targetEpoch {
        print(row(["epoch from which validation R@1 = 100 % both ways holds to the end", String(targetEpoch.epoch)]))
        print(row(["time to that epoch, seconds", f(targetEpoch.elapsed, 1)]))
    }
    print(row(["robustness image→text R@1 at the end", f(report.robustness?.amongAll.imageToText.r1 ?? 0, 4)]))
    print(row(["final loss", f(summary.finalLoss, 4)]))

case "encoders":
    // The four encoder combinations, each trained with its default settings (the transformer
    // encoders' recipe included: what `nanovlm train --image-encoder … --text-encoder …`
    // runs), validated every epoch: accuracy at the end, parameters, seconds per epoch, time
    // to the target.
    let general = TrainingConfiguration()
    let double = sgemmGFLOPs(threads: general.threads)
    print("sgemm 1024³ on \(general.threads) threads: \(f(double, 1)) GFLOP/s\n")
    print(
        row([
            "image + text encoder", "parameters", "val R@1 i→t / t→i (among 243)", "robustness R@1 i→t", "epochs",
            "s per epoch (incl. validation)", "target epoch", "time to target (s)", "total (s)",
        ]))
    print(row(["---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]))
    let only = CommandLine.arguments.dropFirst(2).map { String($0) }
    for image in ImageEncoderKind.allCases {
        for text in TextEncoderKind.allCases where only.isEmpty || only.contains("\(image)+\(text)") {
            let chosen = try AppConfiguration.load(
                path: nil, environment: [:],
                overrides: ["model.image_encoder": image.rawValue, "model.text_encoder": text.rawValue])
            let run = TrainingRun.run(model: encodersOnly(chosen.model), training: chosen.training, saveTo: nil)
                .checkpoint
            guard let summary = run.summary, let report = run.metrics else { fatalError("a training run records both") }
            let model = run.model
            let target = summary.targetEpoch
            let val = report.validation.amongAll
            print(
                row([
                    "\(image) + \(text)", String(model.parameterCount),
                    "\(f(val.imageToText.r1 * 100, 1)) % / \(f(val.textToImage.r1 * 100, 1)) %",
                    "\(f((report.robustness?.amongAll.imageToText.r1 ?? 0) * 100, 1)) %",
                    String(chosen.training.epochs), f(summary.medianEpochSeconds ?? 0, 3),
                    target.map { String($0.epoch) } ?? "not reached", target.map { f($0.elapsed, 1) } ?? "–",
                    f(summary.history.last?.elapsed ?? 0, 1),
                ]))
            fflush(stdout)
        }
    }

case "scenes":
    // The scenes set with its own defaults (what `nanovlm train --dataset scenes` runs), for
    // each encoder combination: gallery R@1 and the binding test on the held-out
    // compositions, and the time to the target (≥ 99 % both ways and binding ≥ 99 %).
    let configuration = try AppConfiguration.load(path: nil, environment: ["NANOVLM_DATASET": "scenes"])
    let dataset = try DatasetRegistry.open(configuration.data, seed: configuration.training.seed)
    let double = sgemmGFLOPs(threads: configuration.training.threads)
    let t = configuration.training
    print(
        "sgemm 1024³ on \(t.threads) threads: \(f(double, 1)) GFLOP/s; \(t.epochs) epochs of "
            + "\(configuration.data.scenes.trainingScenes) fresh scenes, batch \(t.batchSize), \(t.hardNegatives) hard "
            + "negative a caption\n")
    print(
        row([
            "image + text encoder", "parameters", "gallery R@1 i→t / t→i (held-out, among \(dataset.count))",
            "binding (colour / shape / argument)", "target epoch", "steps to target", "ms a step",
            "time to target (s)", "total (s)",
        ]))
    print(row(["---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]))
    let only = CommandLine.arguments.dropFirst(2).map { String($0) }
    let combinations: [(ImageEncoderKind, TextEncoderKind)] = [
        (.cnn, .attention), (.cnn, .mean), (.vit, .attention), (.vit, .mean),
    ]
    for (image, text) in combinations where only.isEmpty || only.contains("\(image)+\(text)") {
        var config = encodersOnly(configuration.model)
        config.imageEncoder = image
        config.textEncoder = text
        let start = now()
        let run = TrainingRun.run(model: config, training: t, dataset: dataset, saveTo: nil).checkpoint
        let total = now() - start
        guard let summary = run.summary, let report = run.metrics, let binding = report.binding else {
            fatalError("a scenes run records its metrics and the binding test")
        }
        let target = summary.scenesTargetEpoch
        let val = report.validation.amongAll
        let kinds = ["colour", "shape", "argument"].map { f((binding.byKind[$0] ?? 0) * 100, 1) }
        // A step is one batch; the median epoch also draws that epoch's fresh scenes.
        let steps = (configuration.data.scenes.trainingScenes + t.batchSize - 1) / t.batchSize
        print(
            row([
                "\(image) + \(text)", String(run.model.parameterCount),
                "\(f(val.imageToText.r1 * 100, 1)) % / \(f(val.textToImage.r1 * 100, 1)) %",
                "\(f(binding.overall * 100, 1)) % (\(kinds.joined(separator: " / ")))",
                target.map { String($0.epoch) } ?? "not reached", target.map { String($0.epoch * steps) } ?? "–",
                f(1000 * (summary.medianEpochSeconds ?? 0) / Double(steps), 1),
                target.map { f($0.elapsed, 1) } ?? "–", f(total, 1),
            ]))
        fflush(stdout)
    }

case "data-decode":
    printDataDecode()

default:
    print(
        "usage: nanovlm-bench sgemm | model | train | data-decode | encoders [cnn+mean …] | scenes [cnn+attention …]"
    )
    exit(64)
}
