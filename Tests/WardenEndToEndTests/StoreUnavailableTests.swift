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

    /// A store whose write lock another process holds: the decision and its record are retried
    /// together in short attempts until `store_timeout`, then denied — not one attempt that
    /// waits out SQLite's own ten-second lock wait. Once the lock is gone the same call passes
    /// and is recorded once.
    @Test func aLockedStoreIsRetriedInShortAttemptsThenDeniesAndRecoversWhenUnlocked() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("principal", "add", "user:ann@acme.example", "--name", "Ann")
        try s.ok("agent", "register", "planner", "--by", "user:ann@acme.example", "--scopes", "github/*")
        let token = try s.ok("token", "issue", "planner", "--ttl", "1h").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let folder = s.folder.appendingPathComponent(".config/warden")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "store_timeout = 2s\n".write(to: folder.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        let authorize = ["authorize", "--token-env", "T", "--tool", "github/get_issue", "--record"]

        let holder = try LockHolder(db: s.db)
        let locked = try s.run(authorize, environment: ["T": token])
        holder.release()
        #expect(locked.status == 3 && locked.stdout == "deny: store_unavailable\n", "\(locked)")
        let attempts = locked.stderr.firstMatch(of: /within 2s \((\d+) attempts?\)/).flatMap { Int($0.1) } ?? 0
        #expect(attempts >= 2, "the locked store was retried in short attempts: \(locked)")

        let unlocked = try s.run(authorize, environment: ["T": token])
        #expect(unlocked.status == 0 && unlocked.stdout == "allow\n", "\(unlocked)")
        let calls = try s.ok("calls", "--json").jsonArray()
        #expect(calls.count == 1, "only the allowed call was recorded: \(calls)")
    }

    /// The sqlite3 shell holding a store's write lock (`BEGIN IMMEDIATE`) until released.
    final class LockHolder {
        let process = Process()
        let input = Pipe()

        init(db: String) throws {
            let output = Pipe()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
            process.arguments = [db]
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            input.fileHandleForWriting.write(Data("BEGIN IMMEDIATE;\nSELECT 'locked';\n".utf8))
            // The lock is held once the shell has answered the statement after it.
            var seen = ""
            while !seen.contains("locked") {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { throw CocoaError(.fileReadUnknown) }
                seen += String(decoding: chunk, as: UTF8.self)
            }
        }

        func release() {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }

        deinit { if process.isRunning { release() } }
    }
}
