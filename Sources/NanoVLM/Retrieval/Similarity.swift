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

    /// Rank metrics of (Q, D) queries against (C, D) candidates, one row of scores at a
    /// time: query q's hits are `correct[q]`, and its rank is that of its best-scoring hit
    /// (ties by candidate index), so with one answer per query this is the plain rank.
    static func metrics(_ queries: [Float], _ candidates: [Float], correct: [[Int]], dim: Int) -> RankMetrics {
        let q = queries.count / dim
        precondition(correct.count == q)
        var ranks = [Int](repeating: 0, count: q)
        for i in 0..<q {
            let row = scores(query: Array(queries[(i * dim)..<((i + 1) * dim)]), candidates: candidates, dim: dim)
            ranks[i] = rank(row, correct: correct[i])
        }
        return RankMetrics(ranks: ranks)
    }

    /// Rank metrics with one answer per query.
    static func metrics(_ queries: [Float], _ candidates: [Float], correct: [Int], dim: Int) -> RankMetrics {
        metrics(queries, candidates, correct: correct.map { [$0] }, dim: dim)
    }

    /// 1 + the candidates ranked before the best of `correct`.
    static func rank(_ row: [Float], correct: [Int]) -> Int {
        guard var best = correct.first else { return row.count + 1 }
        for c in correct.dropFirst() where row[c] > row[best] || (row[c] == row[best] && c < best) { best = c }
        let s = row[best]
        var rank = 1
        for c in row.indices where row[c] > s || (row[c] == s && c < best) { rank += 1 }
        return rank
    }
}
