import Foundation
import WardenCore
import WardenStore
import WardenSystem

/// Tool pinning's cost on the proxy's gate connection (issue 16): a `tools/list` of 500 tools
/// checked as `Relay.filterTools` checks it (each tool object hashed as sent, the list reported
/// with `observeTools`, the credential's chain read once, then each tool kept only when approved
/// with that hash and in scope), for an unchanged list (remembered by the connection, and the
/// first one after a change, which is not) and for a server seen for the first time;
/// and what the pin lookup adds to a `tools/call` decision (a tool of a listed server against
/// one never listed, whose pin facts say nothing).
enum ToolPinBench {
    static let toolCount = 500

    static func run(folder: String, repeats: Int, calls: Int) throws -> [Metric] {
        let path = folder + "/pins.db"
        defer { removeStore(path) }
        let secret = try ProxyBench.makeStore(at: path)
        let m = Mutation(operatorName: "bench", now: WallClock.now())
        // Trust: first sight approves every tool, so the first-sight figure also pays every scope check.
        try BenchStore.backend(path).open(for: .operations(readOnly: false)).setToolPolicy(.trust, server: nil, m)
        let gate = try BenchStore.backend(path).open(for: .gate)
        let list = tools(toolCount)

        /// The three steps' times (ms) of the last check: hash, observe, filter.
        var steps = (hash: 0.0, observe: 0.0, filter: 0.0)
        func check(server: String) throws -> Int {
            var observed: [ObservedTool] = []
            observed.reserveCapacity(list.count)
            let t0 = MonotonicClock.nanos()
            for (i, t) in list.enumerated() { observed.append(try ToolHash.observe(t, path: "$.result.tools[\(i)]")) }
            let t1 = MonotonicClock.nanos()
            var approved: [String: String] = [:]
            for p in try gate.observeTools(server: server, tools: observed, observer: "mcp-proxy", at: WallClock.now())
            where p.status == .approved { approved[p.tool] = p.hash }
            let t2 = MonotonicClock.nanos()
            var kept = 0
            // As the relay does: the chain read and decided once, then each tool on it.
            let standing = approved.isEmpty ? nil : try gate.standing(secret: secret, now: WallClock.now()).standing
            for o in observed {
                let pin = ToolPinFacts(serverKnown: true, toolApproved: approved[o.name] == o.hash, unknownServers: .allow)
                if let standing, standing.decide(server: server[...], tool: o.name[...], pin: pin).isAllowed { kept += 1 }
            }
            let t3 = MonotonicClock.nanos()
            steps = (Double(t1 - t0) / 1e6, Double(t2 - t1) / 1e6, Double(t3 - t2) / 1e6)
            return kept
        }

        var first = Samples(), unchanged = Samples(), unremembered = Samples()
        var keptUnchanged = 0
        for i in 0..<repeats {
            let server = "bench-\(i)"  // a new server each time: first sight, 500 pins written and journaled
            first.add(try timed { try check(server: server) }.1)
            // Unchanged, but not yet in the connection's memo: every pin and decision read.
            unchanged.add(try timed { try check(server: server) }.1)
            unremembered.add(steps.observe)
        }
        // The same list for `bench`, the scopes' server, so the scope checks allow some.
        _ = try check(server: "bench")
        var inScope = Samples(), hashS = Samples(), observeS = Samples(), filterS = Samples()
        for _ in 0..<repeats {
            let (k, ms) = try timed { try check(server: "bench") }
            inScope.add(ms)
            keptUnchanged = k
            hashS.add(steps.hash); observeS.add(steps.observe); filterS.add(steps.filter)
        }

        // tools/call: the pin lookup. `bench/get_item_0` is a pinned, approved tool of a listed
        // server; `solo/get_item_0` one of a server never listed (facts read, nothing pinned).
        let admin = try BenchStore.backend(path).open(for: .operations(readOnly: false))
        let lead = try admin.registerAgent(name: "solo-bot", delegator: "workload:bench", scopes: try ScopeSet(parsing: "bench/get_*,solo/get_*"),
                                           ttlMs: 86_400_000, m)
        let soloSecret = try admin.issueCredential(agentID: lead.id, ttlMs: 3_600_000, scopes: nil, instanceID: nil, m).secret
        var pinned = Samples(), unpinned = Samples()
        for n in 0..<(calls + 200) {
            let tool = n % 2 == 0 ? "bench/get_item_0" : "solo/get_item_0"
            let (out, ms) = try timed { try gate.authorize(secret: soloSecret, serverTool: tool, now: WallClock.now()) }
            guard out.decision.isAllowed else { throw BenchFailure("\(tool) was denied: \(out.decision)") }
            if n < 200 { continue }  // warm-up
            if n % 2 == 0 { pinned.add(ms * 1000) } else { unpinned.add(ms * 1000) }
        }
        let added = (p50: pinned.percentile(50) - unpinned.percentile(50), p99: pinned.percentile(99) - unpinned.percentile(99))
        return [
            .dist("pins_list_unchanged_ms", "tools/list of \(toolCount) tools checked, unchanged (hash + observe + filter)", "ms", inScope,
                  targets: [.atMost(5, .p99)], note: "\(repeats) lists; \(keptUnchanged) of \(toolCount) in scope and shown"),
            .dist("pins_list_hash_ms", "  of which hashing \(toolCount) tool objects (RFC 8785 + SHA-256)", "ms", hashS),
            .dist("pins_list_observe_ms", "  of which observeTools (the memo: one digest read)", "ms", observeS),
            .dist("pins_list_observe_unremembered_ms", "  observeTools of an unchanged list not yet remembered (every pin read)", "ms",
                  unremembered),
            .dist("pins_list_filter_ms", "  of which the checks (one chain read, then pin hash and scope per tool)", "ms", filterS),
            .dist("pins_list_unchanged_out_of_scope_ms", "  the same, a server outside the scopes, its first unchanged list", "ms", unchanged,
                  targets: [.atMost(5, .p99)]),
            .dist("pins_list_first_sight_ms", "tools/list of \(toolCount) tools checked, first sight (\(toolCount) pins written, journaled)", "ms",
                  first, targets: [.atMost(5, .p99)], note: "policy trust: every tool approved, so every one is also scope-checked"),
            .dist("pins_call_known_us", "authorize a tools/call of a listed server (pin lookup)", "µs", pinned),
            .dist("pins_call_unknown_us", "  the same credential, a server never listed", "µs", unpinned,
                  note: String(format: "pin lookup adds p50 %.1f µs, p99 %.1f µs", added.p50, added.p99)),
        ]
    }

    /// `n` tool objects shaped like a real server's: a description and an input schema; one in
    /// five is a `get_*` tool the bench credential's scopes cover.
    static func tools(_ n: Int) -> [JSONValue] {
        (0..<n).map { i in
            .object([("name", .string(i % 5 == 0 ? "get_item_\(i)" : "tool_\(i)")),
                     ("description", .string("Reads item \(i) of the repository and returns it with its metadata, history and links.")),
                     ("inputSchema", .object([("type", .string("object")),
                                              ("properties", .object([("repo", .object([("type", .string("string")), ("description", .string("owner/name"))])),
                                                                      ("id", .object([("type", .string("integer"))]))])),
                                              ("required", .array([.string("repo")]))])),
                     ("annotations", .object([("readOnlyHint", .bool(true))]))])
        }
    }
}
