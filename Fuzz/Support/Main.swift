// The one libFuzzer entry point of the fuzz binary; FUZZ_TARGET (set by scripts/fuzz)
// picks the target, so every target shares one sanitizer link.
import Foundation

let fuzzTargets: [String: ([UInt8]) -> Void] = [
    "png": fuzzPNG, "jpeg": fuzzJPEG, "multipart": fuzzMultipart, "query": fuzzQuery, "json": fuzzJSON,
    "safetensors": fuzzSafeTensors, "http": fuzzHTTP, "datasets": fuzzDatasets,
]

let selectedTarget: ([UInt8]) -> Void = {
    let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
    guard let target = fuzzTargets[name] else {
        fatalError("set FUZZ_TARGET to one of \(fuzzTargets.keys.sorted().joined(separator: ", ")) (got \"\(name)\")")
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selectedTarget(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

/// One-time set-up outside libFuzzer's per-input timeout: the JSON and HTTP targets embed
/// the gallery with an untrained model first (and HTTP starts its server), which takes
/// seconds on a loaded machine.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
    _ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> CInt {
    _ = selectedTarget
    switch ProcessInfo.processInfo.environment["FUZZ_TARGET"] {
    case "json": _ = FuzzService.api
    case "http": _ = LiveServer.port
    default: break
    }
    return 0
}
