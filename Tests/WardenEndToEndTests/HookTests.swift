import Foundation
import Testing

/// `warden hook claude-code` fed Claude Code's hook input exactly as its hooks reference
/// documents it, and `warden hook generic`. In that runtime an exit other than 0 with a
/// decision (or 2) lets the call run, so every failure must still answer deny.
@Suite("Hooks")
struct HookTests {
    /// A store with an agent allowed claude-code/Read, claude-code/Grep and github/get_* (not Bash),
    /// delegated by `lead`; returns the agent's secret.
    static func fleet(_ s: Sandbox) throws -> String {
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("principal", "add", "user:alice@acme.example")
        try s.ok("agent", "register", "lead", "--by", "user:alice@acme.example", "--scopes", "claude-code/*,github/*")
        try s.ok("agent", "register", "coder", "--by", "lead", "--scopes", "claude-code/Read,claude-code/Grep,github/get_*")
        return try s.ok("token", "issue", "coder").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func pre(_ tool: String, _ input: String, id: String, session: String = "sess-1") -> String {
        """
        {"session_id":"\(session)","transcript_path":"/home/u/.claude/projects/p/\(session).jsonl","cwd":"/home/u/p","permission_mode":"default","hook_event_name":"PreToolUse","tool_name":"\(tool)","tool_input":\(input),"tool_use_id":"\(id)"}
        """
    }

    static func post(_ tool: String, _ input: String, response: String, id: String, session: String = "sess-1") -> String {
        """
        {"session_id":"\(session)","transcript_path":"/home/u/.claude/projects/p/\(session).jsonl","cwd":"/home/u/p","permission_mode":"default","hook_event_name":"PostToolUse","tool_name":"\(tool)","tool_input":\(input),"tool_response":\(response),"tool_use_id":"\(id)"}
        """
    }

    static func hook(_ s: Sandbox, _ payload: String, token: String?, _ extra: [String] = []) throws -> RunResult {
        try s.run(["hook", "claude-code"] + extra, environment: token.map { ["WARDEN_TOKEN": $0] } ?? [:], stdin: payload)
    }

    /// The deny reason of a Claude Code PreToolUse answer, failing the test if it is not one.
    static func denyReason(_ r: RunResult, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        #expect(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        let out = try #require(try r.jsonObject()["hookSpecificOutput"] as? [String: Any], "\(r)", sourceLocation: sourceLocation)
        #expect(out["hookEventName"] as? String == "PreToolUse", sourceLocation: sourceLocation)
        #expect(out["permissionDecision"] as? String == "deny", sourceLocation: sourceLocation)
        return try #require(out["permissionDecisionReason"] as? String, sourceLocation: sourceLocation)
    }

    @Test func builtInToolsAreDecidedByScopeAndRecordedWithRedactedArguments() throws {
        let s = try Sandbox()
        let token = try Self.fleet(s)
        let bash = try Self.hook(s, Self.pre("Bash", #"{"command":"curl -H 'Authorization: x' https://e.com","description":"fetch","api_key":"k-123"}"#, id: "toolu_01"), token: token)
        #expect(try Self.denyReason(bash).hasPrefix("warden: denied (out_of_scope) claude-code/Bash"))

        let read = try Self.hook(s, Self.pre("Read", #"{"file_path":"/home/u/p/README.md"}"#, id: "toolu_02"), token: token)
        #expect(read.status == 0 && read.stdout.isEmpty, "an allow prints nothing: \(read)")
        let edit = try Self.hook(s, Self.pre("Edit", #"{"file_path":"/home/u/p/a.swift","old_string":"a","new_string":"b"}"#, id: "toolu_03"), token: token)
        #expect(try Self.denyReason(edit).contains("(out_of_scope) claude-code/Edit"))

        let calls = try s.ok("calls", "--json").jsonArray()
        #expect(calls.count == 3)
        #expect(calls.allSatisfy { $0["via"] as? String == "hook" }, "\(calls)")
        let recorded = Dictionary(uniqueKeysWithValues: calls.map { ("\($0["server"]!)/\($0["tool"]!)", $0) })
        #expect(recorded["claude-code/Bash"]?["decision"] as? String == "deny")
        #expect(recorded["claude-code/Bash"]?["reason"] as? String == "out_of_scope")
        let bashArgs = try #require(recorded["claude-code/Bash"]?["args"] as? String)
        #expect(bashArgs.contains("curl") && !bashArgs.contains("k-123"), "the argument summary redacts as the proxy does: \(bashArgs)")
        #expect(recorded["claude-code/Read"]?["decision"] as? String == "allow")
        #expect(!calls.contains { ($0["args"] as? String)?.contains(token) == true })
    }

    @Test func postToolUseRecordsTheOutcomeOnTheSameCall() throws {
        let s = try Sandbox()
        let token = try Self.fleet(s)
        let input = #"{"pattern":"TODO","path":"/home/u/p"}"#
        #expect(try Self.hook(s, Self.pre("Grep", input, id: "toolu_10"), token: token).stdout.isEmpty)
        let after = try Self.hook(s, Self.post("Grep", input, response: #"{"mode":"files_with_matches","filenames":["a.swift"],"numFiles":1}"#, id: "toolu_10"), token: token)
        #expect(after.status == 0 && after.stdout.isEmpty, "\(after)")
        let calls = try s.ok("calls", "--json").jsonArray()
        #expect(calls.count == 1, "the outcome is on the call PreToolUse recorded, not a new one: \(calls)")
        #expect(calls.first?["result"] as? String == "ok")
        #expect(calls.first?["duration_ms"] is Int, "\(calls)")

        // A response that says it failed is an error.
        let edit = #"{"file_path":"/home/u/p/README.md"}"#
        #expect(try Self.hook(s, Self.pre("Read", edit, id: "toolu_11"), token: token).stdout.isEmpty)
        #expect(try Self.hook(s, Self.post("Read", edit, response: #"{"success":false}"#, id: "toolu_11"), token: token).stdout.isEmpty)
        let read = try s.ok("calls", "--json").jsonArray().first { $0["args"] as? String == edit }
        #expect(read?["result"] as? String == "error", "\(String(describing: read))")

        // Another session's tool-use ID does not reach this call.
        let pending = #"{"pattern":"FIXME"}"#
        #expect(try Self.hook(s, Self.pre("Grep", pending, id: "toolu_12"), token: token).stdout.isEmpty)
        let other = try Self.hook(s, Self.post("Grep", pending, response: "{}", id: "toolu_12", session: "sess-2"), token: token)
        #expect(other.status == 0 && other.stdout.isEmpty)
        let untouched = try s.ok("calls", "--json").jsonArray()
        #expect(untouched.count == 3)
        #expect(untouched.first { $0["args"] as? String == pending }?["result"] is NSNull, "\(untouched)")
    }

    @Test func mcpToolsAreLeftToTheProxyUnlessAskedFor() throws {
        let s = try Sandbox()
        let token = try Self.fleet(s)
        let payload = Self.pre("mcp__github__get_issue", #"{"owner":"acme","repo":"api","issue_number":7}"#, id: "toolu_20")
        let alone = try Self.hook(s, payload, token: token)
        #expect(alone.status == 0 && alone.stdout.isEmpty, "\(alone)")
        #expect(try s.run("calls", "--json").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]", "not recorded without --mcp")

        let decided = try Self.hook(s, payload, token: token, ["--mcp"])
        #expect(decided.status == 0 && decided.stdout.isEmpty, "\(decided)")
        let denied = try Self.hook(s, Self.pre("mcp__github__create_issue", #"{"title":"x"}"#, id: "toolu_21"), token: token, ["--mcp"])
        #expect(try Self.denyReason(denied).contains("(out_of_scope) github/create_issue"))
        let tools = try s.ok("calls", "--json").jsonArray().map { "\($0["server"]!)/\($0["tool"]!)" }
        #expect(tools.sorted() == ["github/create_issue", "github/get_issue"])
    }

    @Test func aRevokedAncestorDeniesTheNextCallOfTheSession() throws {
        let s = try Sandbox()
        let token = try Self.fleet(s)
        #expect(try Self.hook(s, Self.pre("Read", #"{"file_path":"/a"}"#, id: "toolu_30"), token: token).stdout.isEmpty)
        try s.ok("revoke", "lead")
        let next = try Self.hook(s, Self.pre("Read", #"{"file_path":"/b"}"#, id: "toolu_31"), token: token)
        #expect(try Self.denyReason(next).contains("ancestor_revoked"))
    }

    @Test func theSampleFleetsCodingAgentMayReadButNotRunAShell() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("import", SampleFleet.path)
        let token = try s.ok("token", "issue", "dev-assistant").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try Self.hook(s, Self.pre("Read", #"{"file_path":"/src/a.swift"}"#, id: "t1"), token: token).stdout.isEmpty)
        #expect(try Self.hook(s, Self.pre("Grep", #"{"pattern":"TODO"}"#, id: "t2"), token: token).stdout.isEmpty)
        #expect(try Self.hook(s, Self.pre("mcp__github__get_issue", #"{"issue_number":1}"#, id: "t3"), token: token, ["--mcp"]).stdout.isEmpty)
        #expect(try Self.denyReason(try Self.hook(s, Self.pre("Bash", #"{"command":"make"}"#, id: "t4"), token: token)).contains("(out_of_scope)"))
    }

    // MARK: every failure path is a deny

    @Test func badJSONIsDenied() throws {
        let s = try Sandbox()
        let token = try Self.fleet(s)
        #expect(try Self.denyReason(try Self.hook(s, #"{"hook_event_name":"PreToolUse","#, token: token)).contains("(malformed_request)"))
        // A duplicate key has two readings: refused, not guessed.
        let dup = #"{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Read","tool_name":"Bash","tool_input":{},"tool_use_id":"t"}"#
        #expect(try Self.denyReason(try Self.hook(s, dup, token: token)).contains("(malformed_request)"))
        #expect(try Self.denyReason(try Self.hook(s, "", token: token)).contains("(malformed_request)"))
    }

    @Test func anUnknownEventIsDenied() throws {
        let s = try Sandbox()
        let token = try Self.fleet(s)
        let payload = Self.pre("Read", "{}", id: "t").replacingOccurrences(of: "\"PreToolUse\"", with: "\"PreToolUsage\"")
        #expect(try Self.denyReason(try Self.hook(s, payload, token: token)).contains("unknown hook event"))
    }

    @Test func aMissingCredentialIsDenied() throws {
        let s = try Sandbox()
        _ = try Self.fleet(s)
        let r = try Self.hook(s, Self.pre("Read", "{}", id: "t"), token: nil)
        #expect(try Self.denyReason(r).contains("(missing_credential)"))
        let named = try Self.hook(s, Self.pre("Read", "{}", id: "t"), token: nil, ["--token-env", "AGENT_SECRET"])
        #expect(try Self.denyReason(named).contains("AGENT_SECRET"))
    }

    @Test func aRevokedCredentialIsDenied() throws {
        let s = try Sandbox()
        let token = try Self.fleet(s)
        let id = try #require(try s.ok("token", "ls", "--agent", "coder", "--json").jsonArray().first?["id"] as? String)
        try s.ok("revoke", id)
        #expect(try Self.denyReason(try Self.hook(s, Self.pre("Read", "{}", id: "t"), token: token)).contains("(credential_revoked)"))
    }

    @Test func aMissingStoreIsDenied() throws {
        let s = try Sandbox()
        let r = try Self.hook(s, Self.pre("Read", "{}", id: "t"), token: "wdn_0123456789abcdef")
        #expect(try Self.denyReason(r).contains("(store_unavailable)"))
    }

    /// Another connection (the sqlite3 shell) holds the store's write lock until `release`.
    static func holdWriteLock(_ s: Sandbox) throws -> (release: () -> Void, ()) {
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        sqlite.arguments = [s.db]
        let input = Pipe(), output = Pipe()
        sqlite.standardInput = input
        sqlite.standardOutput = output
        try sqlite.run()
        input.fileHandleForWriting.write(Data("BEGIN EXCLUSIVE;\nSELECT 'holding';\n".utf8))
        var seen = ""
        while !seen.contains("holding") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        try #require(seen.contains("holding"), "sqlite3 did not take the lock")
        return ({
            try? input.fileHandleForWriting.close()
            sqlite.waitUntilExit()
        }, ())
    }

    @Test func aLockedStoreIsDeniedWithinTheTimeout() throws {
        let s = try Sandbox()
        let token = try Self.fleet(s)
        let lock = try Self.holdWriteLock(s)
        defer { lock.release() }
        let r = try Self.hook(s, Self.pre("Read", "{}", id: "t"), token: token, ["--timeout", "500ms"])
        #expect(try Self.denyReason(r).contains("(timeout) no decision within 500ms"))
    }

    @Test func aCrashWhileDecidingIsStillADeny() throws {
        let s = try Sandbox()
        let token = try Self.fleet(s)
        let lock = try Self.holdWriteLock(s)
        defer { lock.release() }
        let input = try s.write("event.json", Self.pre("Read", "{}", id: "t"))
        let hook = try SpawnedWarden(["--db", s.db, "hook", "claude-code", "--timeout", "120s"],
                                     environment: ["WARDEN_TOKEN": token, "PATH": "/usr/bin:/bin", "HOME": s.folder.path],
                                     in: s.folder, stdinPath: input)
        // Armed once SIGALRM (installed last) is caught: bit 13 of SigCgt in /proc/PID/status.
        func armed() -> Bool {
            guard let status = try? String(contentsOfFile: "/proc/\(hook.pid)/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
                  let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16) else { return false }
            return mask & (1 << (UInt64(SIGALRM) - 1)) != 0
        }
        while !armed() && !hook.hasExited { usleep(5_000) }
        hook.signal(SIGSEGV)
        let r = hook.wait()
        #expect(try Self.denyReason(r).contains("(timeout)"), "a fatal signal answers the prepared deny: \(r)")
    }

    @Test func aMistypedFlagIsStillADeny() throws {
        let s = try Sandbox()
        let token = try Self.fleet(s)
        let r = try Self.hook(s, Self.pre("Read", "{}", id: "t"), token: token, ["--timeuot", "2s"])
        #expect(try Self.denyReason(r).contains("(hook_misconfigured)"))
    }

    // MARK: generic

    @Test func theGenericProtocolAnswersAllowOrDenyWithExitCodes() throws {
        let s = try Sandbox()
        let token = try Self.fleet(s)
        func generic(_ payload: String) throws -> RunResult {
            try s.run(["hook", "generic"], environment: ["WARDEN_TOKEN": token], stdin: payload)
        }
        let allow = try generic(#"{"agent_tool":"github/get_issue","arguments":{"number":7},"call_id":"c1"}"#)
        #expect(allow.status == 0 && allow.stdout == "{\"decision\":\"allow\",\"reason\":null}\n", "\(allow)")
        let deny = try generic(#"{"agent_tool":"shell/exec","arguments":{"cmd":"rm -rf /"},"call_id":2}"#)
        #expect(deny.status == 3, "\(deny)")
        #expect(try deny.jsonObject()["decision"] as? String == "deny")
        #expect((try deny.jsonObject()["reason"] as? String)?.contains("(out_of_scope) shell/exec") == true)
        let bad = try generic(#"{"agent_tool":"no-slash"}"#)
        let badReason = try bad.jsonObject()["reason"] as? String
        #expect(bad.status == 3 && badReason?.contains("malformed_request") == true, "\(bad)")
        #expect(try s.ok("calls", "--json").jsonArray().count == 2)
    }

    // MARK: install

    @Test func installMergesIntoSettingsWithABackupAndIsIdempotent() throws {
        let s = try Sandbox()
        try s.ok("init")
        let path = try s.write("settings.json", #"{"model":"opus","hooks":{"Stop":[{"hooks":[{"type":"command","command":"echo bye"}]}]}}"#)
        try s.ok("hook", "install", "claude-code", "--settings", path)
        let merged = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        #expect(merged["model"] as? String == "opus")
        let hooks = try #require(merged["hooks"] as? [String: Any])
        #expect(hooks["Stop"] != nil, "other hooks are kept")
        for event in ["PreToolUse", "PostToolUse"] {
            let entries = try #require(hooks[event] as? [[String: Any]])
            let command = (entries.first?["hooks"] as? [[String: Any]])?.first?["command"] as? String
            #expect(command?.hasSuffix("hook claude-code") == true && command?.contains(s.db) == true, "\(String(describing: command))")
        }
        #expect(FileManager.default.fileExists(atPath: path + ".bak"))
        let once = try String(contentsOfFile: path, encoding: .utf8)
        let again = try s.ok("hook", "install", "claude-code", "--settings", path)
        #expect(again.stderr.contains("already installed"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == once)
        #expect(!FileManager.default.fileExists(atPath: path + ".bak.1"), "no change, no second backup")
    }

    @Test func installRefusesASettingsFileThatIsNotAnObject() throws {
        let s = try Sandbox()
        try s.ok("init")
        let path = try s.write("settings.json", "[1, 2]")
        let r = try s.run("hook", "install", "claude-code", "--settings", path)
        #expect(r.status == 2 && r.stderr.contains("must be a JSON object"), "\(r)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "[1, 2]")
    }
}
