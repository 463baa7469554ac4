import Foundation
import Testing

/// Compares lines with `Snapshots/NAME.txt` beside the calling test file (trailing blanks
/// ignored); `RECORD_SNAPSHOTS=1` rewrites the file instead. A difference is recorded as an
/// issue at the caller's line, naming the first line that differs.
public func assertSnapshot(_ lines: [String], named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    if let problem = snapshotProblem(lines, named: name, beside: sourceLocation.filePath) {
        Issue.record(Comment(rawValue: problem), sourceLocation: sourceLocation)
    }
}

/// What differs between `lines` and the snapshot `NAME` beside `filePath`, or nil.
func snapshotProblem(_ lines: [String], named name: String, beside filePath: String) -> String? {
    let folder = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    let file = folder.appendingPathComponent(name + ".txt")
    let text = lines.map { line in
        var l = line
        while l.hasSuffix(" ") { l.removeLast() }
        return l
    }.joined(separator: "\n") + "\n"
    if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try? text.write(to: file, atomically: true, encoding: .utf8)
        return nil
    }
    guard let expected = try? String(contentsOf: file, encoding: .utf8) else {
        return "no snapshot \(file.path); run with RECORD_SNAPSHOTS=1 to record it"
    }
    if expected == text { return nil }
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let a = text.split(separator: "\n", omittingEmptySubsequences: false)
    for i in 0..<max(e.count, a.count) where (i < e.count ? e[i] : "") != (i < a.count ? a[i] : "") {
        return "snapshot \(name) differs at line \(i + 1):\n  expected: \(i < e.count ? e[i] : "")\n  actual:   \(i < a.count ? a[i] : "")"
    }
    return "snapshot \(name) differs"
}
