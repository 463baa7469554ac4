import Foundation
import Testing

/// A store that does not answer denies every decision with `store_unavailable` (exit 3), after
/// `store_timeout` from the config: `authorize` in text and JSON, and the generic hook.
@Suite("store unavailable")
struct StoreUnavailableTests {
    static let token = "wdn_" + String(repeating: "A", count: 43)

    /// A sandbox whose config sets `config`, and whose store file is damaged: it exists, but
    /// no database can be read from it (chmod would not stop root).
    static func damagedStore(config: String = "store_timeout = 300ms\n") throws -> Sandbox {
        let s = try Sandbox()
        let folder = s.folder.appendingPathComponent(".config/warden")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try config.write(to: folder.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: s.db).deletingLastPathComponent().path,
                                                withIntermediateDirectories: true)
        try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: s.db))
        return s
    }

    static func authorize(_ s: Sandbox, _ extra: [String] = []) throws -> RunResult {
        try s.run(["authorize", "--token-env", "T", "--tool", "github/get_issue"] + extra, environment: ["T": token])
    }

    @Test func authorizeDeniesInTextAfterTheConfiguredTimeout() throws {
        let s = try Self.damagedStore()
        let r = try Self.authorize(s)
        #expect(r.status == 3, "\(r)")
        #expect(r.stdout == "deny: store_unavailable\n", "\(r)")
        #expect(r.stderr.contains("did not answer within 300ms"), "\(r)")
    }

    @Test func authorizeDeniesInJSON() throws {
        let s = try Self.damagedStore()
        for extra in [["--json"], ["--json", "--record"]] {
            let r = try Self.authorize(s, extra)
            #expect(r.status == 3, "\(extra): \(r)")
            let doc = try r.jsonObject()
            #expect(doc["decision"] as? String == "deny", "\(extra): \(r)")
            #expect(doc["reason"] as? String == "store_unavailable", "\(extra): \(r)")
            #expect(doc["credential_id"] is NSNull && doc["recorded"] as? Bool == false, "\(extra): \(r)")
        }
    }

    @Test func aMissingStoreDeniesWithoutWaiting() throws {
        let s = try Sandbox()
        let r = try Self.authorize(s)
        #expect(r.status == 3 && r.stdout == "deny: store_unavailable\n", "\(r)")
        #expect(r.stderr.contains("was not retried") && r.stderr.contains("warden init"), "\(r)")
    }

    @Test func anUnreadableTimeoutStillDenies() throws {
        let s = try Self.damagedStore(config: "store_timeout = soon\n")
        let r = try Self.authorize(s)
        #expect(r.status == 3 && r.stdout == "deny: store_unavailable\n", "\(r)")
        #expect(r.stderr.contains("config:1") && r.stderr.contains("store_timeout"), "\(r)")
        #expect(r.stderr.contains("default store_timeout of 2s"), "\(r)")
    }

    @Test func theGenericHookDenies() throws {
        let s = try Self.damagedStore()
        let r = try s.run(["hook", "generic"], environment: ["WARDEN_TOKEN": Self.token],
                          stdin: #"{"agent_tool":"github/get_issue","arguments":{},"call_id":"c1"}"#)
        #expect(r.status == 3, "\(r)")
        #expect(try r.jsonObject()["decision"] as? String == "deny")
        #expect((try r.jsonObject()["reason"] as? String)?.contains("(store_unavailable)") == true, "\(r)")
    }
}
