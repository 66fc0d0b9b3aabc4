#if canImport(Glibc)
    import Glibc
#endif

/// Debian's OpenBLAS 0.3.21 does not recognise some current Xeons and falls back to its
/// generic `Prescott` kernels (about 5× slower sgemm). OpenBLAS reads `OPENBLAS_CORETYPE`
/// only when the library loads, before `main`, so the fix is to re-execute the program
/// with the variable set. Results are the same to float rounding.
public enum BLASKernel {
    /// The kernel this CPU should use, judged from its feature flags, or nil when the
    /// generic choice is right (or the flags can't be read).
    public static func preferredCore(cpuFlags: Set<String>) -> String? {
        if ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"].allSatisfy(cpuFlags.contains) {
            return "SkylakeX"
        }
        if ["avx2", "fma"].allSatisfy(cpuFlags.contains) { return "Haswell" }
        if cpuFlags.contains("avx") { return "SandyBridge" }
        return nil
    }

    /// True for OpenBLAS's fallback kernels that a modern CPU should never be left on.
    public static func isGeneric(_ core: String) -> Bool {
        ["prescott", "core2", "nehalem", "katmai", "coppermine", "northwood", "banias", "unknown"]
            .contains(core.lowercased())
    }

    /// The CPU's feature flags from /proc/cpuinfo (empty where unavailable).
    public static func cpuFlags() -> Set<String> {
        guard let file = fopen("/proc/cpuinfo", "r") else { return [] }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0 {
            guard let line else { break }
            let text = String(cString: line)
            if text.hasPrefix("flags") || text.hasPrefix("Features") {
                guard let colon = text.firstIndex(of: ":") else { continue }
                return Set(
                    text[text.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\n" }).map(
                        String.init))
            }
        }
        return []
    }

    /// When OpenBLAS fell back to a generic kernel on a CPU that has a better one, sets
    /// `OPENBLAS_CORETYPE` and re-executes this process (same arguments). Returns only when
    /// no re-execution is needed or possible. A user's own `OPENBLAS_CORETYPE` is respected.
    public static func reexecuteIfGeneric() {
        guard getenv("OPENBLAS_CORETYPE") == nil, isGeneric(BLAS.coreName),
            let core = preferredCore(cpuFlags: cpuFlags())
        else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        let arguments = CommandLine.unsafeArgv
        execv("/proc/self/exe", arguments)
        // execv returned: it failed. Carry on with the generic kernel rather than stop.
        unsetenv("OPENBLAS_CORETYPE")
    }
}
