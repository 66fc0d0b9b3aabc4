import Foundation

/// Corpus BLEU-4 (Papineni et al. 2002) over token sequences: clipped n-gram precisions for
/// n = 1…4 summed over the corpus, their geometric mean, and the brevity penalty against the
/// reference closest in length to each candidate (ties: the shorter). 0 when any precision is 0.
public enum BLEU {
    public static func corpus(candidates: [[Int]], references: [[[Int]]], maxOrder: Int = 4) -> Double {
        precondition(candidates.count == references.count)
        var matches = [Int](repeating: 0, count: maxOrder), totals = [Int](repeating: 0, count: maxOrder)
        var candidateLength = 0, referenceLength = 0
        for (candidate, refs) in zip(candidates, references) {
            candidateLength += candidate.count
            let closest = refs.map(\.count).min { a, b in
                let da = abs(a - candidate.count), db = abs(b - candidate.count)
                return da != db ? da < db : a < b
            }
            referenceLength += closest ?? 0
            for n in 1...maxOrder {
                let counts = ngrams(candidate, n)
                var most: [ArraySlice<Int>: Int] = [:]
                for ref in refs {
                    for (gram, count) in ngrams(ref, n) { most[gram] = max(most[gram] ?? 0, count) }
                }
                for (gram, count) in counts { matches[n - 1] += min(count, most[gram] ?? 0) }
                totals[n - 1] += max(candidate.count - n + 1, 0)
            }
        }
        guard candidateLength > 0, (0..<maxOrder).allSatisfy({ matches[$0] > 0 && totals[$0] > 0 }) else { return 0 }
        let logPrecision = (0..<maxOrder).map { log(Double(matches[$0]) / Double(totals[$0])) }.reduce(0, +)
        let brevity =
            candidateLength >= referenceLength ? 1 : exp(1 - Double(referenceLength) / Double(candidateLength))
        return brevity * exp(logPrecision / Double(maxOrder))
    }

    static func ngrams(_ tokens: [Int], _ n: Int) -> [ArraySlice<Int>: Int] {
        var counts: [ArraySlice<Int>: Int] = [:]
        guard tokens.count >= n else { return counts }
        for i in 0...(tokens.count - n) { counts[tokens[i..<(i + n)], default: 0] += 1 }
        return counts
    }
}
