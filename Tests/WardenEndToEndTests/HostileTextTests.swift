import Foundation
import Testing

/// Hostile text from agents and telemetry, rendered by the real binary in a real terminal: the
/// layout stays intact, the title and clipboard do not change, nothing is written outside the grid.
@Suite("Hostile text", .serialized, .enabled(if: TmuxSession.available))
struct HostileTextTests {
    static let oneMB = 1_000_000

    /// The corpus (valid UTF-8). Invalid UTF-8 and the 1 MB name are added separately.
    static let corpus: [String] = [
        "\u{1B}[2J",                                  // clear screen
        "a\u{1B}[10;10Hb",                             // cursor move
        "\u{1B}[H\u{1B}[K\u{1B}[1A",                   // home, erase line, up
        "\u{1B}]0;PWNED\u{07}",                        // OSC 0 title (BEL)
        "\u{1B}]2;PWNED\u{1B}\\",                      // OSC 2 title (ST)
        "\u{1B}]8;;https://evil.example/PWNED\u{1B}\\click\u{1B}]8;;\u{1B}\\",  // OSC 8 hyperlink
        "\u{1B}]52;c;UFdORUQ=\u{07}",                  // OSC 52 clipboard ("PWNED")
        "\u{9B}2J",                                    // C1 CSI
        "\u{9D}0;PWNED\u{9C}",                         // C1 OSC ... ST
        "\u{1B}[?1049h",                               // alternate screen
        "\u{1B}c",                                     // full reset
        "\u{1B}[1;5r\u{1B}[5S",                        // scroll region, scroll up
        "\u{1B}[6n",                                   // report cursor position (answers on stdin)
        "bell\u{07}\u{07}",                            // BEL
        "abc\u{08}\u{08}\u{08}PWN",                    // BS
        "safe\rPWNED",                                 // CR
        "line1\nline2\u{0B}\u{0C}",                    // LF, VT, FF
        "nul\u{00}byte",                               // NUL
        "del\u{7F}ete",                                // DEL
        "tab\there",                                   // TAB
        "\u{202A}lre", "\u{202B}rle", "\u{202C}pdf", "\u{202D}lro", "\u{202E}rlo-evil.exe",  // bidi embeddings, overrides
        "\u{2066}lri", "\u{2067}rli", "\u{2068}fsi", "\u{2069}pdi",                           // bidi isolates
        "a\u{200D}b\u{200D}\u{200D}",                  // zero-width joiners
        "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}", // a ZWJ emoji sequence
        "\u{FEFF}\u{200B}\u{2028}\u{2029}",            // BOM, zero-width space, line/paragraph separators
    ]
    /// Bytes that are not UTF-8 (placed through SQL: ingest refuses them).
    static let invalidUTF8: [UInt8] = [0x62, 0x61, 0x64, 0xC3, 0x28, 0xFF, 0xFE, 0x80, 0x1B, 0x5B, 0x32, 0x4A, 0xED, 0xA0, 0x80]

    static var hostileCount: Int { corpus.count + 2 }  // + invalid UTF-8 + the 1 MB name

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02X", $0) }.joined() }
    static func sqlText(_ s: String) -> String { "CAST(X'\(hex(Array(s.utf8)))' AS TEXT)" }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default:
                if u.value < 0x20 || u.value == 0x7F || (0x80..<0xA0).contains(u.value) {
                    out += String(format: "\\u%04x", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// Runs sqlite3 with SQL on stdin (the 1 MB value is over the argument limit).
    static func sql(_ db: String, _ script: String, folder: URL) throws {
        let file = folder.appendingPathComponent("hostile.sql")
        try script.write(to: file, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = [db]
        p.standardInput = try FileHandle(forReadingFrom: file)
        let err = Pipe()
        p.standardError = err
        try p.run()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "sqlite3: \(String(decoding: e, as: UTF8.self))")
    }

    /// The sample fleet plus hostile text everywhere untrusted text can be: agent names (written
    /// as a foreign writer would, since the CLI and ingest refuse such names), hosts, tool names,
    /// servers, argument summaries and reasons (through `warden ingest`), the IDs of callers the
    /// store does not know, and an operator name and revoke reason in the journal.
    static func hostileStore() throws -> Sandbox {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("import", SampleFleet.path)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var script = Sandbox.dropDigestTriggers + "BEGIN;\n"
        func addAgent(_ i: Int, nameSQL: String) {
            script += """
                INSERT INTO agents(id, name, principal_id, parent_id, depth, scopes, created_at, expires_at)
                VALUES ('spiffe://acme.example/agent/hostile-\(i)/0000', \(nameSQL), 'user:alice@acme.example', NULL, 1,
                        'github/get_issue', \(now - 60_000), NULL);
                INSERT INTO tool_calls(at, agent_id, server, tool, decision, reason, args)
                VALUES (\(now - 30_000 + Int64(i)), \(nameSQL), 'github', 'get_issue', 'deny', 'unknown_credential', \(nameSQL));

                """
        }
        for (i, h) in corpus.enumerated() { addAgent(i, nameSQL: sqlText(h)) }
        addAgent(corpus.count, nameSQL: "CAST(X'\(hex(invalidUTF8))' AS TEXT)")
        addAgent(corpus.count + 1, nameSQL: "\(sqlText("\u{1B}]0;PWNED\u{07}")) || replace(hex(zeroblob(\(oneMB / 2))), '0', 'W')")
        script += "COMMIT;\n"
        try sql(s.db, script, folder: s.folder)
        try s.acceptFixtureDrift()

        var lines = ""
        let all = corpus + [String(repeating: "\u{1B}[2J", count: 10) + String(repeating: "M", count: oneMB - 40)]
        for (i, h) in all.enumerated() {
            let agent = "spiffe://acme.example/agent/hostile-\(i % corpus.count)/0000"
            let t = now - 20_000 + Int64(i)
            if h.utf8.count < 10_000 {
                lines += "{\"type\":\"instance_started\",\"time\":\(t),\"agent\":\"\(agent)\",\"instance\":\"hostile-inst-\(i)\",\"host\":\(jsonString(h)),\"pid\":\(1000 + i)}\n"
                lines += "{\"type\":\"tool_call\",\"time\":\(t),\"agent\":\"\(agent)\",\"instance\":\"hostile-inst-\(i)\",\"server\":\"github\",\"tool\":\(jsonString(h)),\"decision\":\"allow\",\"duration_ms\":5,\"result\":\"ok\",\"args\":\(jsonString(h))}\n"
                lines += "{\"type\":\"tool_call\",\"time\":\(t + 1),\"agent\":\"\(agent)\",\"server\":\(jsonString(h)),\"tool\":\"x\",\"decision\":\"deny\",\"reason\":\(jsonString(h)),\"args\":{\"q\":\(jsonString(h))}}\n"
            } else {
                // The 1 MB value as a host and as arguments (each line stays under ingest's 1 MiB limit).
                lines += "{\"type\":\"instance_started\",\"time\":\(t),\"agent\":\"\(agent)\",\"instance\":\"hostile-inst-big\",\"host\":\(jsonString(h))}\n"
                lines += "{\"type\":\"tool_call\",\"time\":\(t),\"agent\":\"\(agent)\",\"instance\":\"hostile-inst-big\",\"server\":\"github\",\"tool\":\"get_issue\",\"decision\":\"allow\",\"args\":\(jsonString(h))}\n"
            }
        }
        let file = try s.write("hostile.ndjson", lines)
        let ingest = try s.run("ingest", file)
        #expect(ingest.status == 0, "\(ingest)")
        #expect(ingest.stdout.contains("0 rejected"), "\(ingest.stdout)")
        // The journal: a hostile operator name and revoke reason.
        let revoke = try s.run(["--operator", "\u{1B}]0;PWNED\u{07}op", "revoke", "spiffe://acme.example/agent/hostile-1/0000",
                                "--reason", "\u{1B}]2;PWNED\u{1B}\\\u{1B}[2J\u{9B}H\u{202E}"])
        #expect(revoke.status == 0, "\(revoke)")
        return s
    }

    // MARK: what a screen must look like

    /// Display columns, as a terminal counts them for what the dashboard draws.
    static func columns(_ line: String) -> Int {
        var n = 0
        for u in line.unicodeScalars {
            let v = u.value
            if v == 0x200D || (0x300..<0x370).contains(v) || (0xFE00..<0xFE10).contains(v) || v == 0x200B { continue }
            if (0x1100..<0x1160).contains(v) || (0x2E80..<0xA4D0).contains(v) || (0xAC00..<0xD7A4).contains(v)
                || (0xF900..<0xFB00).contains(v) || (0xFF00..<0xFF61).contains(v) || (0x1F300..<0x1FAFF).contains(v)
                || (0x20000..<0x3FFFE).contains(v) { n += 2 } else { n += 1 }
        }
        return n
    }

    static let forbidden: [ClosedRange<UInt32>] = [0x00...0x08, 0x0B...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069]

    static func rawControls(_ text: String) -> [String] {
        text.unicodeScalars.filter { u in forbidden.contains { $0.contains(u.value) } }
            .map { String(format: "U+%04X", $0.value) }
    }

    /// The frame is intact: the header on line 1, 40 lines of at most 120 columns, every line
    /// that starts a bordered row ends it at column 120, no raw control anywhere.
    static func expectIntact(_ screen: String, _ t: TmuxSession, title: String, where place: String,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first?.contains("Warden") == true, "\(place): the header left line 1 (scrolled?):\n\(screen)", sourceLocation: sourceLocation)
        #expect(lines.count <= 41, "\(place): \(lines.count) lines", sourceLocation: sourceLocation)
        for (i, line) in lines.enumerated() {
            let w = columns(line)
            #expect(w <= 120, "\(place): line \(i + 1) is \(w) columns: \(line)", sourceLocation: sourceLocation)
            let trimmed = line.replacingOccurrences(of: " +$", with: "", options: .regularExpression)
            if trimmed.hasPrefix("│") || trimmed.hasPrefix("├") || trimmed.hasPrefix("┌") || trimmed.hasPrefix("└") {
                #expect(columns(trimmed) == 120 && "│┤┐┘".contains(trimmed.last!),
                        "\(place): line \(i + 1) lost its right border (\(columns(trimmed)) columns): \(line)", sourceLocation: sourceLocation)
            }
            if line.contains("PWNED") {
                #expect(trimmed.hasPrefix("│") || trimmed.hasPrefix("├") || i == lines.count - 1 || i == 0 || trimmed.hasPrefix(" "),
                        "\(place): PWNED outside a cell on line \(i + 1): \(line)", sourceLocation: sourceLocation)
            }
        }
        #expect(rawControls(screen).isEmpty, "\(place): raw controls on screen: \(rawControls(screen))", sourceLocation: sourceLocation)
        #expect(t.title == title, "\(place): the pane title changed to '\(t.title)'", sourceLocation: sourceLocation)
        let buffers = (try? t.tmux(["list-buffers"])) ?? ""
        #expect(buffers.isEmpty, "\(place): something reached the clipboard: \(buffers)", sourceLocation: sourceLocation)
    }

    // MARK: tests

    @Test func theTerminalNoticesRawEscapes() throws {
        // The control: unsanitized, the same bytes do change the title and the clipboard here,
        // so the checks below can see an escape that gets through.
        let s = try Sandbox()
        let t = try TmuxSession("sleep 0.3; printf '\\033]2;PWNED\\033\\\\\\033]52;c;UFdORUQ=\\007'; sleep 30", folder: s.folder)
        try t.tmux(["set-option", "-g", "set-clipboard", "on"])
        t.waitFor("the title to change") { _ in t.title.trimmingCharacters(in: .whitespacesAndNewlines) == "PWNED" }
        t.waitFor("the clipboard buffer") { _ in !((try? t.tmux(["list-buffers"])) ?? "").isEmpty }
    }

    @Test func hostileTextStaysInsideItsCells() throws {
        let s = try Self.hostileStore()
        let title = "warden-e2e-title"
        // A known title first, then the dashboard: any OSC 0/2 that got through would change it.
        let line = "sleep 0.3; printf '\\033]2;\(title)\\033\\\\'; cd '\(s.folder.path)' && HOME='\(s.folder.path)' exec '\(WardenBinary.path)' --db '\(s.db)'"
        let t = try TmuxSession(line, width: 120, height: 40, folder: s.folder)
        try t.tmux(["set-option", "-g", "set-clipboard", "on"])
        func norm(_ s: String) -> String { s.trimmingCharacters(in: .whitespacesAndNewlines) }
        let expectTitle = title + "\n"
        t.waitFor(text: "triage-bot")
        #expect(norm(t.title) == title)
        var screens = 0
        func check(_ place: String) {
            usleep(150_000)  // let the last key's frame finish drawing
            Self.expectIntact(t.screen, t, title: expectTitle, where: place)
            screens += 1
        }
        check("tree")
        // Every view; in each, walk down the rows opening each one's detail with Enter.
        for (key, name, rows) in [("1", "tree", 60), ("2", "agents", 50), ("3", "credentials", 10), ("4", "calls", 120),
                                  ("5", "findings", 50), ("6", "audit", 10)] {
            try t.send(key)
            check("view \(name)")
            if name == "agents" {
                t.waitFor(text: "␛]0;PWNED␇")  // the hostile rows are really there, shown as stand-ins
            }
            for r in 0..<rows {
                try t.send("j")
                if r % 3 == 0 {
                    try t.send("Enter")
                    check("view \(name), row \(r + 1), Enter")
                    try t.send("Escape")
                } else if r % 10 == 1 {
                    check("view \(name), row \(r + 1)")
                }
            }
            try t.send("G")
            check("view \(name), last row")
        }
        // The debug build works through the queued keys slowly with a 1 MB name in the store:
        // let it catch up to the last view before quitting.
        t.waitFor("the audit view", seconds: 120) { $0.contains("┌  Audit") }
        Self.expectIntact(t.screen, t, title: expectTitle, where: "after the last key")
        try t.send("Escape")
        try t.send("q")
        t.waitFor("the process to exit", seconds: 60) { _ in t.isDead }
        #expect(norm(t.title) == title)
        print("hostile text: \(Self.hostileCount) hostile strings in agent names, caller IDs, hosts, servers, tools, args, reasons and the journal; \(screens) screens checked")
    }

    @Test func theCommandLineNeverPrintsRawControls() throws {
        let s = try Self.hostileStore()
        var commands: [[String]] = [["agent", "ls"], ["calls", "--limit", "1000"], ["calls", "--denied", "--limit", "1000"],
                                    ["tree"], ["token", "ls"], ["findings"], ["audit"], ["principal", "ls"],
                                    ["agent", "show", "triage-bot"], ["doctor"]]
        for i in 0..<(Self.corpus.count + 2) { commands.append(["agent", "show", "spiffe://acme.example/agent/hostile-\(i)/0000"]) }
        for args in commands {
            let r = try s.run(args)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            #expect(!r.stdout.isEmpty)
            #expect(Self.rawControls(r.stdout).isEmpty, "warden \(args.joined(separator: " ")) printed \(Self.rawControls(r.stdout))")
            #expect(Self.rawControls(r.stderr).isEmpty, "warden \(args.joined(separator: " ")) wrote \(Self.rawControls(r.stderr)) to stderr")
        }
        // The sanitized stand-ins are what an operator sees.
        let calls = try s.run("calls", "--limit", "1000").stdout
        #expect(calls.contains("␛]0;PWNED␇"))
        #expect(calls.contains("nul␀byte"), "text after a NUL is shown, not cut off")
        #expect(try s.run("agent", "show", "spiffe://acme.example/agent/hostile-3/0000").stdout
            .split(separator: "\n").first?.contains("␛]0;PWNED␇") == true, "agent show's header line carries the name, sanitized")
    }
}
