/// Dot products of unit embeddings: the one place scores are computed, for searches and
/// for evaluation alike.
public enum Similarity {
    /// Scores of one query (D) against (N, D) candidates, 8 lanes at a time.
    public static func scores(query: [Float], candidates: [Float], dim d: Int) -> [Float] {
        let n = candidates.count / d
        let lanes = d / 8 * 8
        return [Float](unsafeUninitializedCapacity: n) { out, initialised in
            candidates.withUnsafeBufferPointer { c in
                query.withUnsafeBufferPointer { q in
                    guard let cb = c.baseAddress, let qb = q.baseAddress, let ob = out.baseAddress else { return }
                    for i in 0..<n {
                        let row = cb + i * d
                        var acc = SIMD8<Float>()
                        var j = 0
                        while j < lanes {
                            let a = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self)
                            let b = UnsafeRawPointer(qb + j).loadUnaligned(as: SIMD8<Float>.self)
                            acc += a * b  // not addingProduct: without -mfma it becomes a libm fmaf call per lane
                            j += 8
                        }
                        var s = acc.sum()
                        while j < d {
                            s += row[j] * qb[j]
                            j += 1
                        }
                        ob[i] = s
                    }
                }
            }
            initialised = n
        }
    }

    /// Scores (Q, C) = queries (Q, D) · candidatesᵀ (C, D), one query at a time with the
    /// kernel above: the same sums in the same order as a search, whatever the BLAS thread
    /// count (a threaded product rounds differently, and evaluation must not depend on it).
    public static func matrix(_ queries: [Float], _ candidates: [Float], dim: Int) -> [Float] {
        let q = queries.count / dim
        var out: [Float] = []
        out.reserveCapacity(q * (candidates.count / dim))
        for i in 0..<q {
            out += scores(query: Array(queries[(i * dim)..<((i + 1) * dim)]), candidates: candidates, dim: dim)
        }
        return out
    }

    /// Rank metrics of (Q, D) queries against (C, D) candidates, query q's answer `correct[q]`.
    static func metrics(_ queries: [Float], _ candidates: [Float], correct: [Int], dim: Int) -> RankMetrics {
        let s = matrix(queries, candidates, dim: dim)
        return s.withUnsafeBufferPointer { p in
            guard let base = p.baseAddress else { return RankMetrics(r1: 0, r5: 0, meanRank: 0) }
            return RankMetrics(
                scores: base, queries: correct.count, candidates: candidates.count / dim, correct: correct)
        }
    }
}
