import Foundation
import Testing

/// The dashboard on a store a `warden serve` runs on: its header says the service is up, and a
/// call through the gateway shows in the Calls view as recorded `gateway`.
@Suite("Dashboard with warden serve in a terminal", .serialized,
       .enabled(if: TmuxSession.available && ServeHarness.python != nil, "needs tmux and WARDEN_TEST_PYTHON"))
struct DashboardServeTerminalTests {
    @Test func headerShowsTheServiceAndCallsShowTheGateway() throws {
        let (s, token) = try ServeGatewayTests.fleet()
        let h = try ServeHarness(s, upstream: .stdio)
        let r = try h.client(token: token, mode: "legacy", steps: [["call", "get_issue", "{\"number\": 7}"]])
        #expect(ServeHarness.calls(r).first?["text"] as? String == "issue 7: open", "\(r)")

        let line = "cd '\(s.folder.path)' && HOME='\(s.folder.path)' '\(WardenBinary.path)' --db '\(s.db)'"
        let t = try TmuxSession(line, width: 160, height: 40, folder: s.folder)
        t.waitFor(text: "serve: up")
        // The store's long path leaves the short form at 160 columns; wider, the address and sessions.
        try t.resize(240, 40)
        t.waitFor(text: "serve: up 127.0.0.1:\(h.port) · ")
        try t.send("4")
        t.waitFor("the gateway's call in the Calls view") { $0.contains("github/get_issue") && $0.contains("gateway") }
        // Only the gateway's calls: the filter by path.
        try t.type("/via:gateway")
        try t.send("Enter")
        t.waitFor(text: "filter: /via:gateway")
        try t.send("Enter")
        t.waitFor("the call's detail with its session and client") { $0.contains("session") && $0.contains("client") }
        try t.send("q")
        t.waitFor("the process to exit") { _ in t.isDead }
    }
}
