import Foundation
import Testing

/// Issue 17, item 5: `warden` runs once per tool call from an agent runtime's hook, and loading
/// Foundation (with ICU) cost a fifth of a `warden authorize`. No module linked into `warden` may
/// import it (warden-bench and the tests may), and the built binary must not link it.
@Suite("warden without Foundation")
struct NoFoundationTests {
    /// `import Foundation`, `import FoundationEssentials`, `@preconcurrency import Foundation`,
    /// `import struct Foundation.Data`: any Foundation module, however imported.
    static let foundationImport = try! NSRegularExpression(
        pattern: #"^\s*(@\w+\s+)*import\s+(\w+\s+)?_?Foundation\w*\b"#, options: [.anchorsMatchLines])

    @Test func noSourceLinkedIntoWardenImportsFoundation() throws {
        let sources = WardenBinary.packageRoot.appendingPathComponent("Sources")
        let walker = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
        var scanned = 0
        var offenders: [String] = []
        for case let url as URL in walker where url.pathExtension == "swift" {
            let relative = String(url.path.dropFirst(sources.path.count + 1))
            if relative.hasPrefix("warden-bench/") { continue }
            let text = try String(contentsOf: url, encoding: .utf8)
            scanned += 1
            let range = NSRange(text.startIndex..., in: text)
            if let m = Self.foundationImport.firstMatch(in: text, range: range) {
                let line = text[..<Range(m.range, in: text)!.lowerBound].filter { $0 == "\n" }.count + 1
                offenders.append("Sources/\(relative):\(line)")
            }
        }
        #expect(scanned > 100, "the scan found only \(scanned) files under \(sources.path)")
        #expect(offenders.isEmpty, "Foundation imported by modules linked into warden: \(offenders.joined(separator: ", "))")
    }

    @Test func theBuiltBinaryLinksNoFoundationOrICU() throws {
        let text = try toolOutput("/usr/bin/ldd", [WardenBinary.path])
        // The Swift runtime must be there: proves the listing is of a real Swift binary.
        #expect(text.contains("libswiftCore"), "\(text)")
        let loaded = text.split(separator: "\n").filter { $0.contains("Foundation") || $0.contains("icu") || $0.contains("ICU") }
        #expect(loaded.isEmpty, "warden links: \(loaded.joined(separator: "; "))")
    }
}
