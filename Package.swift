// swift-tools-version:6.0
import PackageDescription

// Dependencies point down this list: C bridges and JSON → tensors/formats → layers/data/images
// → the model → the HTTP layer (which knows no model) → the service glue → the CLI.
let package = Package(
    name: "nanovlm",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "nanovlm", targets: ["nanovlm"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // C bridges: module.modulemap + shim.h, nothing else.
        .systemLibrary(
            name: "COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CLibPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "CTurboJPEG", pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(
            name: "CMicroHTTPD", pkgConfig: "libmicrohttpd",
            providers: [.apt(["libmicrohttpd-dev"])]),

        // JSON values, their strict parser and writer, and the one JSONEncoder configuration.
        .target(name: "JSON"),
        // SHA-256, for the provenance of weights files and the identity of datasets.
        .target(name: "Digest"),
        .target(name: "NanoTensor", dependencies: ["COpenBLAS"]),
        .target(name: "SafeTensors", dependencies: ["JSON"]),
        .target(name: "NanoNN", dependencies: ["NanoTensor"]),
        .target(name: "ImageIO", dependencies: ["CLibPNG", "CTurboJPEG"]),
        .target(name: "Datasets", dependencies: ["NanoTensor", "ImageIO", "Digest", "JSON"]),
        .target(
            name: "NanoVLM",
            dependencies: ["NanoTensor", "NanoNN", "Datasets", "ImageIO", "SafeTensors", "JSON", "Digest"]),
        .target(name: "HTTPServer", dependencies: ["CMicroHTTPD", "JSON"]),
        .target(
            name: "NanoVLMService",
            dependencies: [
                "NanoVLM", "NanoTensor", "HTTPServer", "ImageIO", "Datasets", "JSON", "Digest",
                .product(name: "Logging", package: "swift-log"),
            ],
            // The page and the OpenAPI document, served as they are (ServedFiles); the
            // bundle SwiftPM builds from them must sit next to the binary.
            resources: [
                .copy("Resources/index.html"), .copy("Resources/page.css"), .copy("Resources/page.js"),
                .copy("Resources/openapi.json"),
            ]),
        .executableTarget(
            name: "nanovlm",
            dependencies: [
                "NanoVLMService", "NanoVLM", "Datasets", "ImageIO", "JSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        .executableTarget(
            name: "nanovlm-bench", dependencies: ["NanoVLM", "NanoVLMService", "NanoTensor", "Datasets", "ImageIO"]),

        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "NanoTensorTests", dependencies: ["NanoTensor"]),
        // What several test targets share: the python3 runner, the raw-socket HTTP client,
        // seeded test data and temporary files.
        .target(name: "TestSupport", dependencies: ["NanoTensor"], path: "Tests/TestSupport"),
        .testTarget(
            name: "SafeTensorsTests", dependencies: ["SafeTensors", "NanoTensor", "TestSupport"],
            exclude: ["safetensors_interop.py"]),
        .target(name: "GradientChecking", dependencies: ["NanoTensor"], path: "Tests/GradientChecking"),
        .testTarget(name: "NanoNNTests", dependencies: ["NanoNN", "NanoTensor", "GradientChecking", "TestSupport"]),
        .testTarget(
            name: "ImageIOTests", dependencies: ["ImageIO", "NanoTensor", "TestSupport"], exclude: ["png_fixtures.py", "jpeg_fixtures.py"]),
        .testTarget(name: "ShapesDataTests", dependencies: ["Datasets", "ImageIO"]),
        // The file readers against bad input: every problem's report line or error, and the input cache.
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "ImageIO", "TestSupport"]),
        .testTarget(
            name: "NanoVLMTests",
            dependencies: [
                "NanoVLM", "NanoNN", "NanoTensor", "Datasets", "SafeTensors", "GradientChecking", "TestSupport", "Digest",
            ],
            exclude: ["reference_forward.py"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "TestSupport"]),
        .testTarget(name: "CommandLineTests", dependencies: ["Datasets"]),
        .testTarget(
            name: "NanoVLMServiceTests",
            dependencies: ["NanoVLMService", "HTTPServer", "NanoVLM", "Datasets", "ImageIO", "JSON"]),
        .testTarget(
            name: "EndToEndTests", dependencies: ["ImageIO", "Datasets", "TestSupport"],
            exclude: ["validate_responses.py"]),
        .testTarget(name: "DocsTests", dependencies: ["NanoVLMService", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
