/// A dataset's distinct captions (by token sequence) and which items carry each: what
/// image → text search ranks and what the metrics count as a hit (docs/MODEL.md). For a
/// set whose items each have one caption of their own, caption `i` is item `i`'s. For a set
/// with a truth function (the scenes set) a caption belongs to every item it is true of.
public struct CaptionTable: Sendable {
    /// Distinct token sequences, in order of first appearance by item id.
    public let tokens: [[Int]]
    /// The first caption text with those tokens.
    public let texts: [String]
    /// The items carrying each caption, ascending.
    public let items: [[Int]]
    /// The captions of each item, in the order of `allCaptionTokens(of:)` (duplicates once);
    /// with a truth function, every caption true of it, ascending.
    public let ofItem: [[Int]]
    private let indexByTokens: [[Int]: Int]

    public init(_ dataset: any Dataset) {
        var tokens: [[Int]] = [], texts: [String] = [], items: [[Int]] = []
        var ofItem: [[Int]] = []
        ofItem.reserveCapacity(dataset.count)
        var index: [[Int]: Int] = [:]
        for id in dataset.ids {
            let sequences = dataset.allCaptionTokens(of: id)
            let captions = dataset.captions(of: id)
            var mine: [Int] = []
            for (k, sequence) in sequences.enumerated() {
                let c: Int
                if let known = index[sequence] {
                    c = known
                } else {
                    c = tokens.count
                    index[sequence] = c
                    tokens.append(sequence)
                    texts.append(k < captions.count ? captions[k] : "")
                    items.append([])
                }
                if !mine.contains(c) {
                    mine.append(c)
                    items[c].append(id)
                }
            }
            ofItem.append(mine)
        }
        if let truth = dataset.captionTruth {
            items = tokens.map { sequence in dataset.ids.filter { truth(sequence, $0) } }
            ofItem = Array(repeating: [], count: dataset.count)
            for (c, holders) in items.enumerated() { for id in holders { ofItem[id].append(c) } }
        }
        self.tokens = tokens
        self.texts = texts
        self.items = items
        self.ofItem = ofItem
        indexByTokens = index
    }

    /// The caption with exactly these tokens, if any item carries it.
    public func index(of tokens: [Int]) -> Int? { indexByTokens[tokens] }

    public var count: Int { tokens.count }

    /// The distinct captions of `ids`, ascending.
    public func captions(of ids: [Int]) -> [Int] {
        var seen = Set<Int>()
        for id in ids { seen.formUnion(ofItem[id]) }
        return seen.sorted()
    }
}
