import Foundation
import Testing
import TerminalUI
import WardenConfig
import WardenCore
import WardenStore
import WardenTestSupport
@testable import WardenDashboard

/// What must stay on screen however small it gets, and words said properly.
@Suite("Narrow screens and wording")
struct NarrowScreenTests {
    @Test func storeStaysInTheHeaderAtEveryWidthFrom60EvenWhenPaused() {
        for width in 60...200 {
            for (paused, readOnly, env) in [(false, false, nil), (true, false, nil), (true, true, "prod" as String?)] {
                var s = Fixture.state(width: width, height: 24)
                s.paused = paused
                s.readOnly = readOnly
                s.environment = env
                let header = s.screen[0]
                #expect(header.contains("warden.db"), "width \(width) paused \(paused): \(header)")
                if paused { #expect(header.contains("PAUSED")) }
            }
        }
        // A long path keeps its end: the file and its folder tell stores apart.
        var s = Fixture.state(width: 60, height: 24)
        s.storeLocation = "/home/operator/projects/acme/fleets/production-eu-west/warden.db"
        s.paused = true
        #expect(s.screen[0].contains("…") && s.screen[0].contains("west/warden.db"), "\(s.screen[0])")
    }

    @Test func footerKeepsQuitAtEveryWidth() {
        for width in [40, 60, 80, 100] {
            for view in ViewKind.allCases {
                var s = Fixture.state(width: width, height: 24)
                Update.switchView(&s, view)
                let footer = s.screen[23]
                #expect(footer.contains("q/Ctrl-C quit") || footer.contains("q quit"), "\(view) at \(width): \(footer)")
            }
        }
    }

    @Test func reasonPromptConfirmsOrCancels() {
        var s = Fixture.state()
        s.type("jx")
        _ = Update.update(&s, .revocationPlanned(.agent(Fixture.id("triage-bot")), RevocationPlan(
            target: .agent(Fixture.id("triage-bot")), agents: [Fixture.id("triage-bot")], credentials: [], liveInstances: 0)))
        s.type("rleak")
        let screen = s.screen.joined(separator: "\n")
        #expect(screen.contains("Enter confirm") && screen.contains("Esc cancel"), "\(screen)")
        #expect(!screen.contains("Esc done"))
        s.press(.enter)
        s.type("rxyz")
        s.press(.escape)
        guard case .revoke(let d) = s.mode else { Issue.record("the dialog closed"); return }
        #expect(d.reason.text == "leak", "Esc drops the edit and keeps what was confirmed")
        #expect(s.type("y") == [.revoke(.agent(Fixture.id("triage-bot")), reason: "leak")])

        var n = Fixture.state()
        n.type("jnrfoo")
        #expect(n.screen.joined().contains("Enter confirm"))
        n.press(.escape)
        guard case .narrow(let nd) = n.mode else { Issue.record("the narrow dialog closed"); return }
        #expect(nd.reason.text.isEmpty && !nd.editingReason)
    }

    @Test func pluralsAreSaidProperly() {
        var s = Fixture.state()
        s.type("jn")  // triage-bot: two descendants, one of them revoked
        #expect(s.screen.joined().contains("lose it too (2 descendants"))
        s.type(" ")  // uncheck github/*: only issue-labeler's grant names it
        #expect(s.screen.joined().contains("Also narrows 1 descendant: issue-labeler"), "\(s.screen.joined(separator: "\n"))")
        s.press(.escape)
        s.type("jjjjn")  // test-runner: one descendant
        s.type("j ")  // uncheck github/get_*
        #expect(s.screen.joined().contains("Also narrows 1 descendant: flaky-analyst"), "\(s.screen.joined(separator: "\n"))")
        for v in ViewKind.allCases {
            Update.switchView(&s, v)
            s.detailOpen = true
            #expect(!s.screen.joined().contains("(s)"))
        }
    }
}

@Suite("Columns by priority")
struct ColumnPriorityTests {
    @Test func callsAt40ColumnsKeepDecisionAndReasonWithDenyFilter() {
        var s = Fixture.state(width: 40, height: 15)
        s.type("4/deny")
        s.press(.enter)
        let lines = s.screen
        #expect(lines[3].contains("DECISION") && lines[3].contains("REASON"), "\(lines[3])")
        #expect(lines[4].contains("deny") && lines[4].contains("credential_revoked"), "\(lines[4])")
    }

    @Test func identifiersShowTheirEnd() {
        var s = Fixture.state()
        Update.switchView(&s, .audit)
        #expect(s.screen.contains { $0.contains("/agent/dup-finder/0a0a") }, "the audit target keeps its end")
        #expect(!s.screen.contains { $0.contains("spiffe://acme.examp…") })
    }

    @Test func credentialIDsAreNeverCut() {
        var creds = Fixture.credentials
        creds.append(Credential(id: "tok_ci_deploy_static_key_0001", agentID: Fixture.id("deployer"), scopes: Fixture.scopes("k8s/*"),
                                issuedAt: Fixture.now - 1_000, expiresAt: nil))
        let base = Fixture.snapshot()
        let snap = FleetSnapshot(trustDomain: base.trustDomain, principals: base.principals, agents: base.agents, credentials: creds,
                                 instances: Array(base.instances), calls: base.calls, minutes: base.minutes, audit: base.audit,
                                 auditState: base.auditState, counter: 2, loadedAt: Fixture.now)
        for (w, h) in [(80, 24), (120, 40)] {
            var s = Fixture.state(width: w, height: h)
            _ = Update.update(&s, .snapshot(snap, findings: []))
            Update.switchView(&s, .credentials)
            #expect(s.screen.contains { $0.contains("tok_ci_deploy_static_key_0001 ⚠ ") }, "\(s.screen.joined(separator: "\n"))")
        }
    }

    @Test func sortArrowIsNeverHidden() {
        for v in ViewKind.allCases where v != .tree {
            for column in v.descriptor.columns.indices {
                for ascending in [true, false] {
                    var s = Fixture.state()
                    Update.switchView(&s, v)
                    s.sorts[v] = SortState(column: column, ascending: ascending)
                    RowBuilder.rebuild(&s, v)
                    let header = s.screen[3]
                    #expect(header.contains(ascending ? "▲" : "▼"), "\(v) sorted by \(v.descriptor.columns[column]): \(header)")
                }
            }
        }
    }
}

@Suite("Help")
struct HelpTests {
    func helpText(_ s: DashboardState) -> String {
        HelpScreen.lines(s, width: 200).map { $0.spans.map(\.text).joined() }.joined(separator: "\n")
    }

    @Test func helpExplainsEverySymbolCommandFilterAndTheMouse() {
        let text = helpText(Fixture.state())
        for needle in ["◉1", "⚑", "+3", "●", "✗", "⌛", "?", "⚠", "a static credential", "sparkline", "time left, as a bar", "CREDENTIAL LEFT", "EXPIRES",
                       ":tree", ":theme NAME", ":q", "/!text", "/deny", "click selects", "mouse = false", "q/Ctrl-C", "quit"] {
            #expect(text.contains(needle), "help lacks \(needle)")
        }
        var off = Fixture.state()
        off.mouse = false
        #expect(helpText(off).contains("off (`mouse = false`"))
    }

    @Test func helpCoversOnlyItsBoxAndScrolls() {
        for (w, h) in [(120, 40), (80, 24), (60, 15)] {
            var s = Fixture.state(width: w, height: h)
            var plain = s
            let before = Screen.render(&plain)
            s.type("?")
            var open = s
            let during = Screen.render(&open)
            // Every cell outside the help box is what it was: nothing underneath is blanked.
            let (bw, bh) = HelpScreen.size(s, Rect(x: 0, y: 0, width: w, height: h))
            let box = Rect(x: 0, y: 0, width: w, height: h).centered(width: bw, height: bh)
            for y in 0..<(h - 1) { for x in 0..<w where !box.contains(x: x, y: y) {
                #expect(during[x, y] == before[x, y], "\(w)x\(h): cell \(x),\(y) changed under the help")
            } }
            // Scrolling reaches the end (the mouse section), then any other key closes.
            for _ in 0..<80 { s.type("j") }
            #expect(s.screen.joined().contains("Mouse"), "\(w)x\(h)")
            #expect(s.helpScroll == HelpScreen.maxScroll(s))
            s.type("x")
            guard case .normal = s.mode else { Issue.record("help stayed open"); continue }
            #expect(s.screen == before.lines, "closing the help leaves the screen as it was")
        }
    }

    @Test func mouseSettingParses() throws {
        #expect(try parseDashboardConfig("mouse = false\n", file: "c").mouse == false)
        #expect(try parseDashboardConfig("", file: "c").mouse == true)
        #expect(throws: FileError(file: "c", line: 2, message: "mouse must be true or false")) {
            try parseDashboardConfig("theme = dracula\nmouse = off\n", file: "c")
        }
    }

    @Test func mouseOffIgnoresClicks() {
        var s = Fixture.state()
        s.mouse = false
        _ = Update.update(&s, .mouse(.click(button: .left, x: 12, y: 1)))
        #expect(s.view == .tree)
    }
}

@Suite("Detail panes")
struct DetailPaneTests {
    @Test func auditDetailShowsWhatChangedNotRawJSON() {
        let narrow = AuditDiff.changes(before: #"{"scopes":["github/create_issue","github/get_*"]}"#, after: #"{"scopes":["github/create_issue"]}"#)
        #expect(narrow == [.removed(path: "scopes", ["github/get_*"])])
        let revoke = AuditDiff.changes(before: #"{"status":"active"}"#, after: #"{"status":"revoked","revoked_at":5}"#)
        #expect(revoke == [.value(path: "revoked_at", from: nil, to: "5"), .value(path: "status", from: "active", to: "revoked")])
        #expect(AuditDiff.changes(before: nil, after: "not json") == [.value(path: "", from: nil, to: "not json")])
        let nested = AuditDiff.changes(before: #"{"descendants":[{"id":"a","scopes":["x/*"]}]}"#,
                                       after: #"{"descendants":[{"id":"a","scopes":["x/get_*"]}]}"#)
        #expect(nested == [.removed(path: "descendants[0].scopes", ["x/*"]), .added(path: "descendants[0].scopes", ["x/get_*"])])

        var audit = Fixture.audit
        audit[1].before = #"{"status":"active","scopes":["github/get_*","github/create_issue"]}"#
        audit[1].after = #"{"status":"revoked","scopes":["github/create_issue"]}"#
        let base = Fixture.snapshot()
        let snap = FleetSnapshot(trustDomain: base.trustDomain, principals: base.principals, agents: base.agents, credentials: base.credentials,
                                 instances: Array(base.instances), calls: base.calls, minutes: base.minutes, audit: audit,
                                 auditState: base.auditState, counter: 2, loadedAt: Fixture.now)
        var s = Fixture.state()
        _ = Update.update(&s, .snapshot(snap, findings: []))
        s.type("6")
        s.press(.enter)
        let screen = s.screen.joined(separator: "\n")
        #expect(screen.contains("status  active → revoked") && screen.contains("scopes  − github/get_*"), "\(screen)")
        #expect(!screen.contains(#"{"status""#), "no raw JSON")
    }

    @Test func detailPanesBreakIDsAtSeparators() {
        var s = Fixture.state(width: 44, height: 40)
        s.type("jj")  // issue-labeler
        s.press(.enter)
        let lines = s.screen
        // The ID is wider than the pane: it breaks after a `/`, never inside a name.
        #expect(lines.contains { $0.contains("│ spiffe://acme.example/agent/ ") }, "\(lines.joined(separator: "\n"))")
        #expect(lines.contains { $0.contains("│ issue-labeler/0a0a ") })
    }
}

@Suite("Why was it denied")
struct CallDetailTests {
    @Test func callDetailShowsCredentialStateEffectiveScopesAndJumpsToTheAgent() {
        var s = Fixture.state()
        s.type("4")
        s.press(.enter)  // the newest call: dup-finder, denied, with a revoked credential
        let screen = s.screen.joined(separator: "\n")
        #expect(screen.contains("credential tok_dup01  revoked at the call"), "\(screen)")
        #expect(screen.contains("effective  github/get_*"))
        #expect(screen.contains("Enter: go to agent"))
        s.press(.enter)
        #expect(s.view == .agents && s.detailOpen)
        #expect(s.rowKey(.agents, s.list(.agents).selected ?? -1) == Fixture.id("dup-finder"))
    }

    @Test func anAllowedCallThatErroredSaysSoUnderResult() {
        var calls = Fixture.calls
        calls.append(ToolCall(seq: 13, at: Fixture.now - 1_000, agentID: Fixture.id("triage-bot"), server: "github", tool: "create_issue",
                              decision: .allow, durationMs: 5, result: .error, args: "{\"title\":\"x\",\n\"body\":\"y\"}"))
        let base = Fixture.snapshot()
        let snap = FleetSnapshot(trustDomain: base.trustDomain, principals: base.principals, agents: base.agents, credentials: base.credentials,
                                 instances: Array(base.instances), calls: calls, minutes: base.minutes, audit: base.audit,
                                 auditState: base.auditState, counter: 2, loadedAt: Fixture.now)
        var s = Fixture.state()
        _ = Update.update(&s, .snapshot(snap, findings: []))
        s.type("4")
        let lines = s.screen
        #expect(lines[3].contains("REASON") && lines[3].contains("RESULT") && lines[3].contains("ARGS"), "\(lines[3])")
        let row = lines[4]
        let reason = row.index(row.startIndex, offsetBy: lines[3].distance(from: lines[3].startIndex, to: lines[3].range(of: "REASON")!.lowerBound))
        let result = row.index(row.startIndex, offsetBy: lines[3].distance(from: lines[3].startIndex, to: lines[3].range(of: "RESULT")!.lowerBound))
        #expect(row[reason...].hasPrefix("      "), "REASON is empty for an allowed call: \(row)")
        #expect(row[result...].hasPrefix("error"), "\(row)")
        #expect(row.contains(#"{"title":"x", ""#), "arguments on one line: \(row)")
    }
}

@Suite("Copy")
struct CopyTests {
    @Test func cCopiesTheSelectedIDAndRemembersIt() {
        var s = Fixture.state()
        #expect(s.type("jc") == [.copy(Fixture.id("triage-bot"))])
        #expect(s.flash?.text.contains("copied \(Fixture.id("triage-bot"))") == true)
        s.type("3c")  // credentials: the first row
        let cred = s.rowKey(.credentials, 0)!
        s.type("1c")  // back on the tree: triage-bot again
        #expect(s.copied == [cred, Fixture.id("triage-bot")], "each ID once, latest last")
        s.type("4")
        #expect(s.type("c") == [.copy(Fixture.id("dup-finder"))], "a call copies its agent's ID")
        var empty = DashboardState(now: Fixture.now, width: 80, height: 24, readOnly: true, operatorName: "o", storeLocation: "/x")
        #expect(empty.type("c").isEmpty && empty.flash?.isError == true)
    }
}

@Suite("Export")
struct ExportTests {
    func run(_ s: inout DashboardState, _ command: String) -> [Effect] {
        var effects = s.type(":")
        effects += s.type(command)
        effects += s.press(.enter)
        return effects
    }

    @Test func exportsTheViewFilteredAndSortedAsCSVOrJSON() throws {
        var s = Fixture.state()
        s.type("4/deny")
        s.press(.enter)
        let csv = run(&s, "export out/denied calls.csv")
        guard case .export(let path, let text, let rows)? = csv.first else { Issue.record("no export: \(csv)"); return }
        #expect(path == "out/denied calls.csv" && rows == 4)
        let lines = text.split(separator: "\r\n").map(String.init)
        #expect(lines.first == "SEQ,AT,AGENT ID,TIME,AGENT,SERVER/TOOL,DECISION,VIA,REASON,RESULT,DURATION,ARGS")
        #expect(lines.count == 5 && lines.dropFirst().allSatisfy { $0.contains(",deny,") })
        #expect(lines[1].hasPrefix("12,") && lines[4].hasPrefix("4,"), "newest first, as shown")
        #expect(lines[1].hasSuffix(#","{""n"":11}""#), "quoted as RFC 4180: \(lines[1])")

        let json = run(&s, "export x.JSON")
        guard case .export(_, let jtext, 4)? = json.first else { Issue.record("no json export: \(json)"); return }
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(jtext.utf8)) as? [[String: String]])
        #expect(objects.count == 4 && objects[0]["server_tool"] == "github/get_issue" && objects[0]["reason"] == "credential_revoked")
        #expect(objects[0]["args"] == #"{"n":11}"#)
    }

    @Test func badExportsAreFlashesNotCrashes() {
        var s = Fixture.state()
        #expect(run(&s, "export report.txt").isEmpty && s.flash?.isError == true && s.flash!.text.contains(".csv or .json"))
        #expect(run(&s, "export").isEmpty && s.flash!.text.contains("usage"))
        let msg = EffectRunner.write("x", to: "/nonexistent-\(UUID().uuidString)/x.csv", rows: 1)
        guard case .actionFinished(let text, true) = msg else { Issue.record("\(msg)"); return }
        #expect(text.contains("No such file or directory"))
        guard let folder = try? TempFolder("warden-export") else { Issue.record("no temporary folder"); return }
        let path = folder.file("export.csv")
        guard case .actionFinished(let ok, false) = EffectRunner.write("a,b\r\n", to: path, rows: 1) else { Issue.record("write failed"); return }
        #expect(ok == "exported 1 row to \(path)")
        #expect(FileManager.default.contents(atPath: path) == Data("a,b\r\n".utf8))
    }

    /// An export is the view as shown: an agent name carrying escape sequences, a bell or a
    /// bidi override reaches the file as the visible stand-ins the screen shows, never raw.
    @Test func anExportCarriesStoredTextAsShownNeverRaw() throws {
        var s = DashboardState(now: Fixture.now, width: 120, height: 40, readOnly: false, operatorName: "alice",
                               storeLocation: "/var/lib/warden/warden.db", theme: .builtin)
        var agents = Fixture.agents
        agents[0].name = "evil\u{1B}]0;TITLE\u{07}\u{1B}[2J\u{202E}x"
        let snap = Fixture.snapshot(agents: agents)
        _ = Update.update(&s, .snapshot(snap, findings: []))
        _ = s.type("2")
        for file in ["agents.csv", "agents.json"] {
            guard case .export(_, let text, _)? = run(&s, "export \(file)").first else { Issue.record("no export of \(file)"); continue }
            #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x202E }, "\(file): \(text.debugDescription)")
            #expect(text.contains("evil␛]0;TITLE␇␛[2J\u{FFFD}x"), "\(file): \(text)")
        }
    }

    @Test func csvNeverHandsASpreadsheetAFormula() {
        #expect(Export.csvField("=HYPERLINK(\"x\")") == #""'=HYPERLINK(""x"")""#)
        #expect(Export.csvField("@sum") == "'@sum" && Export.csvField("plain") == "plain")
        #expect(Export.jsonString("a\"\u{1B}\n") == #""a\"\u001b\n""#)
    }
}

@Suite("Audit diff inputs")
struct AuditDiffInputTests {
    @Test func aNewRecordListsWhatItCreatedAndEmptyMeansNothing() {
        let after = #"{"agent":"spiffe://acme.example/agent/triage-bot/7f3a","scopes":["github/get_*","slack/post_message"],"expires_at":"2026-12-01T07:50:41Z"}"#
        let changes = AuditDiff.changes(before: "", after: after)
        #expect(changes == [.value(path: "agent", from: nil, to: "spiffe://acme.example/agent/triage-bot/7f3a"),
                            .value(path: "expires_at", from: nil, to: "2026-12-01T07:50:41Z"),
                            .added(path: "scopes", ["github/get_*", "slack/post_message"])], "\(changes)")
        // A long document survives loading whole, so it can still be compared.
        let long = "{\"scopes\":[" + (0..<400).map { "\"s/t\($0)\"" }.joined(separator: ",") + "]}"
        let r = DisplayText.clip(AuditRecord(seq: 1, at: 0, operatorName: "o", action: "a", target: "t", before: long, after: "{}",
                                             reason: nil, prevHash: "", hash: ""))
        #expect(r.before == long)
    }
}
