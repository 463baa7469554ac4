import Testing
import TerminalUI
import WardenCore
@testable import WardenDashboard

/// Where calls came from in the Calls view (VIA, session and client, the `via:` filter), and
/// the header's word on `warden serve` from the services' heartbeat rows.
@Suite("Calls: via, and the service in the header")
struct CallOriginViewTests {
    static let paths: [ToolCall.Via?] = [.proxy, .gateway, .ingest, .hook, .cli, nil]

    /// The fixture's calls, each recorded by a path in turn; the gateway's with a session and client.
    static func state(services: [ServiceRecord] = [], width: Int = 120) -> DashboardState {
        var s = DashboardState(now: Fixture.now, width: width, height: 40, readOnly: false, operatorName: "alice",
                               storeLocation: "/var/lib/warden/warden.db", theme: .builtin)
        var snap = Fixture.snapshot()
        for i in snap.calls.indices {
            snap.calls[i].via = paths[i % paths.count]
            if snap.calls[i].via == .gateway {
                snap.calls[i].session = "4f1c2d3e-aaaa-bbbb-cccc-01234567\(i)ab"
                snap.calls[i].client = "claude-code 2.1\u{1B}[31m"
            }
        }
        snap.services = services
        snap.reindex(.activity)
        _ = Update.update(&s, .snapshot(snap, findings: []))
        return s
    }

    func shown(_ s: DashboardState) -> [ToolCall.Via?] { s.rows[.calls].map { s.snapshot.calls[$0].via } }

    @Test func viaColumnAndFilter() {
        var s = Self.state()
        s.type("4")
        let lines = s.screen
        #expect(lines[3].contains("DECISION") && lines[3].contains("VIA"), "\(lines[3])")
        #expect(lines.contains { $0.contains("gateway") } && lines.contains { $0.contains("proxy") }, "\(lines.joined(separator: "\n"))")

        s.type("/via:gateway")
        #expect(!shown(s).isEmpty && shown(s).allSatisfy { $0 == .gateway }, "\(shown(s))")
        let gateways = shown(s).count
        s.press(.escape)
        // A prefix of the path, and text after the term narrows further.
        s.type("/via:ing")
        #expect(!shown(s).isEmpty && shown(s).allSatisfy { $0 == .ingest })
        s.press(.escape)
        s.type("/via:gateway deny")
        #expect(shown(s).allSatisfy { $0 == .gateway } && s.rows[.calls].allSatisfy { s.snapshot.calls[$0].decision == .deny })
        s.press(.escape)
        // Inverted: every call but the gateway's, those recorded before Warden kept a path included.
        s.type("/!via:gateway")
        #expect(shown(s).count == Fixture.calls.count - gateways && shown(s).contains { $0 == nil } && !shown(s).contains(.gateway))
        s.press(.escape)
        // Plain substring filtering is unchanged, and finds the path as text too.
        s.type("/get_issue")
        #expect(s.rows[.calls].allSatisfy { s.snapshot.calls[$0].tool == "get_issue" } && !s.rows[.calls].isEmpty)
        s.press(.escape)
        s.type("/via:nothing")
        #expect(s.rows[.calls].isEmpty)
    }

    @Test func theDetailShowsSessionAndClientSanitized() {
        var s = Self.state()
        s.type("4/via:gateway")
        s.press(.enter)
        s.press(.enter)
        let text = s.screen.joined(separator: "\n")
        #expect(text.contains("via") && text.contains("gateway"), "\(text)")
        #expect(text.contains("session") && text.contains("4f1c2d3e…"), "the session shortened: \(text)")
        #expect(text.contains("claude-code 2.1") && !text.contains("\u{1B}"), "the client sanitized: \(text)")
    }

    // MARK: header

    static func service(listen: String = "127.0.0.1:8443", beat: Timestamp, sessions: Int64 = 3, stopped: Timestamp? = nil) -> ServiceRecord {
        ServiceRecord(host: "gw", listen: listen, pid: 1, version: "0.1.0", startedAt: Fixture.now - 600_000,
                      lastHeartbeat: beat, sessions: sessions, stoppedAt: stopped)
    }

    @Test func headerSaysNothingWhenNoServiceEverRan() {
        let s = Self.state()
        #expect(!s.screen[0].contains("serve"), "\(s.screen[0])")
    }

    @Test func headerShowsAFreshServiceThenSilentAsTheClockMoves() {
        var s = Self.state(services: [Self.service(beat: Fixture.now - 2_000)], width: 160)
        #expect(s.screen[0].contains("serve: up 127.0.0.1:8443 · 3 sessions"), "\(s.screen[0])")
        // No heartbeat since: 30 s on it is still up, past that it is silent, aged by the clock.
        _ = Update.update(&s, .tick(Fixture.now + 28_000))
        #expect(s.screen[0].contains("serve: up"), "\(s.screen[0])")
        _ = Update.update(&s, .tick(Fixture.now + 118_000))
        #expect(s.screen[0].contains("serve: silent 2m"), "\(s.screen[0])")
    }

    @Test func headerCountsSeveralServicesAndSaysWhenTheyStopped() {
        let now = Fixture.now
        var s = Self.state(services: [Self.service(beat: now - 1_000, sessions: 2),
                                      Self.service(listen: "10.0.0.2:8443", beat: now - 3_000, sessions: 1)], width: 160)
        #expect(s.screen[0].contains("serve: 2 up · 3 sessions"), "\(s.screen[0])")
        s = Self.state(services: [Self.service(beat: now - 1_000, sessions: 1),
                                  Self.service(listen: "10.0.0.2:8443", beat: now - 300_000)])
        #expect(s.screen[0].contains("serve: 1 up, 1 silent"), "\(s.screen[0])")
        s = Self.state(services: [Self.service(beat: now - 300_000, stopped: now - 300_000)])
        #expect(s.screen[0].contains("serve: stopped 5m"), "\(s.screen[0])")
        // A narrower header keeps the word, shortened.
        s = Self.state(services: [Self.service(beat: now - 1_000)], width: 120)
        #expect(s.screen[0].contains("serve: up"), "\(s.screen[0])")
    }
}
