/// "Did you mean": the known word nearest to a mistyped one.
enum Suggest {
    /// The candidate within a small edit distance of `word` (2, or 1 for words of 4 letters or
    /// fewer), nearest first; nil when none is close enough to be a typo.
    static func closest(to word: String, among candidates: some Sequence<String>) -> String? {
        let limit = word.count <= 4 ? 1 : 2
        var best: (String, Int)?
        for c in candidates.sorted() {
            let d = distance(word.lowercased(), c)
            if d <= limit, d < (best?.1 ?? Int.max) { best = (c, d) }
        }
        return best?.0
    }

    /// Edits between two words: insertions, deletions, substitutions, and swaps of two
    /// neighbouring letters (`agnet` → `agent` is one), as people mistype.
    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in 0...x.count { d[i][0] = i }
        for j in 0...y.count { d[0][j] = j }
        for i in 1...x.count {
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[x.count][y.count]
    }
}
