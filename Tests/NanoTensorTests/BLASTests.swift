import XCTest

@testable import NanoTensor

/// The BLAS wrapper against a naive triple loop in double precision.
final class BLASTests: XCTestCase {
    /// Row-major (rows, cols) values in [-1, 1), from a seed.
    func matrix(_ rows: Int, _ cols: Int, seed: UInt64) -> [Float] {
        var rng = SeededRandom(seed: seed)
        return (0..<(rows * cols)).map { _ in Float(rng.uniform(-1, 1)) }
    }

    /// α · op(A) · op(B) + β · C by the definition, with op(A) (m, k) and op(B) (k, n); also
    /// Σ |α| |op(A)| |op(B)| + |β| |C| per element, the scale its rounding error grows with.
    func reference(
        _ a: [Float], _ b: [Float], _ c: [Float], m: Int, n: Int, k: Int,
        transposeA: Bool, transposeB: Bool, alpha: Float, beta: Float
    ) -> (values: [Double], scale: [Double]) {
        var values = [Double](repeating: 0, count: m * n), scale = values
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0, magnitude = 0.0
                for p in 0..<k {
                    let x = Double(transposeA ? a[p * m + i] : a[i * k + p])
                    let y = Double(transposeB ? b[j * k + p] : b[p * n + j])
                    sum += x * y
                    magnitude += abs(x * y)
                }
                values[i * n + j] = Double(alpha) * sum + Double(beta) * Double(c[i * n + j])
                scale[i * n + j] = abs(Double(alpha)) * magnitude + abs(Double(beta) * Double(c[i * n + j]))
            }
        }
        return (values, scale)
    }

    /// A float sum of k products is off by at most about k · ε of its scale; 4 ε · (k + 2)
    /// allows any summation order and still catches a wrong element, index or transpose.
    func tolerance(k: Int, scale: Double) -> Double { 4 * Double(Float.ulpOfOne) * Double(k + 2) * scale + 1e-30 }

    let shapes: [(m: Int, n: Int, k: Int)] = [
        (1, 1, 1), (1, 7, 3), (5, 1, 4), (3, 5, 7), (17, 9, 33), (64, 48, 1), (65, 70, 130),
    ]

    func testProductMatchesTheDefinitionForEveryShapeAndTranspose() {
        var seed: UInt64 = 1
        for (m, n, k) in shapes {
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    for (alpha, beta) in [(Float(1), Float(0)), (Float(-0.75), Float(0.5))] {
                        seed += 3
                        let a = matrix(m, k, seed: seed), b = matrix(k, n, seed: seed + 1)
                        var c = matrix(m, n, seed: seed + 2)  // with β = 0 whatever is there is overwritten
                        let expected = reference(
                            a, b, c, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta)
                        BLAS.gemm(
                            &c, a, b, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta)
                        let label = "m \(m) n \(n) k \(k) transposeA \(transposeA) transposeB \(transposeB) α \(alpha) β \(beta)"
                        var wrong = 0
                        for index in 0..<(m * n) {
                            let error = abs(Double(c[index]) - expected.values[index])
                            if error > tolerance(k: k, scale: expected.scale[index]) {
                                if wrong == 0 { XCTFail("\(label): element \(index) is \(c[index]), expected \(expected.values[index])") }
                                wrong += 1
                            }
                        }
                        XCTAssertEqual(wrong, 0, "\(label): elements outside the tolerance")
                    }
                }
            }
        }
    }

    /// The explicit-stride form works on blocks inside larger matrices and leaves the rest of
    /// C alone (as for one attention head's columns inside a packed (T, 3C) buffer).
    func testStridedProductUsesOnlyTheBlocks() {
        let m = 6, n = 5, k = 4
        let lda = 11, ldb = 9, ldc = 8
        let offsetA = 2, offsetB = 3, offsetC = 1
        for transposeA in [false, true] {
            for transposeB in [false, true] {
                let aRows = transposeA ? k : m, aCols = transposeA ? m : k
                let bRows = transposeB ? n : k, bCols = transposeB ? k : n
                let aFull = matrix(aRows, lda, seed: 70), bFull = matrix(bRows, ldb, seed: 71)
                let cFull = matrix(m, ldc, seed: 72)
                // The dense blocks the strided call should see.
                let a = (0..<aRows).flatMap { r in (0..<aCols).map { aFull[r * lda + offsetA + $0] } }
                let b = (0..<bRows).flatMap { r in (0..<bCols).map { bFull[r * ldb + offsetB + $0] } }
                let cBlock = (0..<m).flatMap { r in (0..<n).map { cFull[r * ldc + offsetC + $0] } }
                let expected = reference(
                    a, b, cBlock, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: 2, beta: 1)
                var c = cFull
                aFull.withUnsafeBufferPointer { ap in
                    bFull.withUnsafeBufferPointer { bp in
                        c.withUnsafeMutableBufferPointer { cp in
                            BLAS.gemm(
                                cp.baseAddress! + offsetC, ap.baseAddress! + offsetA, bp.baseAddress! + offsetB,
                                m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc,
                                transposeA: transposeA, transposeB: transposeB, alpha: 2, beta: 1)
                        }
                    }
                }
                let label = "transposeA \(transposeA) transposeB \(transposeB)"
                for r in 0..<m {
                    for col in 0..<ldc {
                        let got = c[r * ldc + col]
                        if col >= offsetC && col < offsetC + n {
                            let index = r * n + col - offsetC
                            XCTAssertEqual(
                                Double(got), expected.values[index], accuracy: tolerance(k: k, scale: expected.scale[index]),
                                "\(label): C[\(r), \(col)]")
                        } else {
                            XCTAssertEqual(got, cFull[r * ldc + col], "\(label): C[\(r), \(col)] is outside the block")
                        }
                    }
                }
            }
        }
    }

    func testThreadCountIsSetAndAtLeastOne() {
        let original = BLAS.threads
        defer { BLAS.setThreads(original) }
        XCTAssertGreaterThanOrEqual(original, 1)
        BLAS.setThreads(1)
        XCTAssertEqual(BLAS.threads, 1)
        BLAS.setThreads(0)
        XCTAssertEqual(BLAS.threads, 1, "a count below one means one thread")
    }
}

/// What the kernel detection reports, and the choices it documents.
final class BLASKernelTests: XCTestCase {
    func testTheLoadedKernelHasAName() {
        let core = BLAS.coreName
        XCTAssertFalse(core.isEmpty)
        XCTAssertFalse(core.contains { $0.isWhitespace || $0 == "\0" }, core)
        // A kernel forced through the environment is the one OpenBLAS loaded.
        if let forced = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"], !forced.isEmpty {
            XCTAssertEqual(core.lowercased(), forced.lowercased())
        }
    }

    func testPreferredCoreFollowsTheFeatureFlags() {
        let avx512: Set<String> = ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]
        XCTAssertEqual(BLASKernel.preferredCore(cpuFlags: avx512.union(["avx", "avx2", "fma", "sse2"])), "SkylakeX")
        XCTAssertEqual(BLASKernel.preferredCore(cpuFlags: ["avx", "avx2", "fma", "sse2"]), "Haswell")
        XCTAssertEqual(
            BLASKernel.preferredCore(cpuFlags: avx512.subtracting(["avx512cd"]).union(["avx", "avx2", "fma"])), "Haswell",
            "SkylakeX needs all five AVX-512 subsets")
        XCTAssertEqual(BLASKernel.preferredCore(cpuFlags: ["avx", "avx2", "sse2"]), "SandyBridge", "AVX2 without FMA")
        XCTAssertEqual(BLASKernel.preferredCore(cpuFlags: ["avx"]), "SandyBridge")
        XCTAssertNil(BLASKernel.preferredCore(cpuFlags: ["sse2", "sse4_2"]))
        XCTAssertNil(BLASKernel.preferredCore(cpuFlags: []), "unreadable flags: keep OpenBLAS's own choice")
    }

    func testGenericKernelsAreRecognisedInAnyCase() {
        for core in ["Prescott", "PRESCOTT", "prescott", "Core2", "Nehalem", "Katmai", "Coppermine", "Northwood", "Banias", "unknown"] {
            XCTAssertTrue(BLASKernel.isGeneric(core), core)
        }
        for core in ["Haswell", "SkylakeX", "SandyBridge", "Zen", "Cooperlake", "ARMV8"] {
            XCTAssertFalse(BLASKernel.isGeneric(core), core)
        }
        // Whatever it prefers is never a kernel it would replace again.
        let flagSets: [Set<String>] = [["avx"], ["avx", "avx2", "fma"], ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]]
        for flags in flagSets {
            let preferred = BLASKernel.preferredCore(cpuFlags: flags)
            XCTAssertNotNil(preferred)
            XCTAssertFalse(BLASKernel.isGeneric(preferred ?? "unknown"), "\(flags)")
        }
    }

    func testCPUFlagsAreReadFromThisMachine() throws {
        #if os(Linux) && arch(x86_64)
            let flags = BLASKernel.cpuFlags()
            XCTAssertTrue(flags.contains("sse2"), "every x86-64 CPU has SSE2: \(flags.sorted().prefix(20))")
            XCTAssertFalse(flags.contains(""), "no empty flag from the separators")
            XCTAssertFalse(flags.contains { $0.contains { $0.isWhitespace || $0 == ":" } })
        #else
            throw XCTSkip("the x86 flags line of /proc/cpuinfo is read only on x86-64 Linux")
        #endif
    }
}
