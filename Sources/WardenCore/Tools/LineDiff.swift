/// A line diff (longest common subsequence) for showing what changed in a tool's definition:
/// `warden tools diff` and the dashboard's Tools view print the same lines.
public enum LineDiff {
    public enum Op: String, Sendable {
        case same, removed, added
    }

    public struct Line: Equatable, Sendable {
        public let op: Op
        public let text: String
        public init(_ op: Op, _ text: String) {
            self.op = op
            self.text = text
        }
    }

    /// Above this many table cells (lines left × lines right, after the common start and end
    /// are set aside) the middle is shown as all removed then all added: a server may send a
    /// definition of any size, and a diff must not take a machine's memory.
    public static let maxCells = 4_000_000

    /// `old` turned into `new`: unchanged lines as `same`, the rest `removed` before `added`.
    public static func diff(_ old: [String], _ new: [String]) -> [Line] {
        var head = 0
        while head < old.count, head < new.count, old[head] == new[head] { head += 1 }
        var tail = 0
        while tail < old.count - head, tail < new.count - head, old[old.count - 1 - tail] == new[new.count - 1 - tail] { tail += 1 }
        let a = Array(old[head..<(old.count - tail)]), b = Array(new[head..<(new.count - tail)])
        var out = old[..<head].map { Line(.same, $0) }
        out += middle(a, b)
        out += old[(old.count - tail)...].map { Line(.same, $0) }
        return out
    }

    private static func middle(_ a: [String], _ b: [String]) -> [Line] {
        if a.isEmpty || b.isEmpty || a.count * b.count > maxCells {
            return a.map { Line(.removed, $0) } + b.map { Line(.added, $0) }
        }
        // lcs[i][j]: the longest common subsequence of a[i...] and b[j...], in one flat array.
        let w = b.count + 1
        var lcs = [Int32](repeating: 0, count: (a.count + 1) * w)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lcs[i * w + j] = a[i] == b[j] ? lcs[(i + 1) * w + j + 1] + 1 : max(lcs[(i + 1) * w + j], lcs[i * w + j + 1])
            }
        }
        var out: [Line] = []
        var i = 0, j = 0
        while i < a.count, j < b.count {
            if a[i] == b[j] {
                out.append(Line(.same, a[i])); i += 1; j += 1
            } else if lcs[(i + 1) * w + j] >= lcs[i * w + j + 1] {
                out.append(Line(.removed, a[i])); i += 1
            } else {
                out.append(Line(.added, b[j])); j += 1
            }
        }
        out += a[i...].map { Line(.removed, $0) }
        out += b[j...].map { Line(.added, $0) }
        return out
    }
}
