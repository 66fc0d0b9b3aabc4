// The one libFuzzer entry point of the fuzz binary; FUZZ_TARGET (set by scripts/fuzz)
// picks the target, so every target shares one sanitizer link.
import Foundation

let fuzzTargets: [String: ([UInt8]) -> Void] = [
    "png": fuzzPNG, "multipart": fuzzMultipart, "query": fuzzQuery, "json": fuzzJSON,
    "safetensors": fuzzSafeTensors, "http": fuzzHTTP,
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
