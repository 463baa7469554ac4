import WardenStore
import WardenCore

// Tool pinning's rows (the rules are `FleetRules+Tools`): plain reads and upserts by key. The
// triggers `ensureStateDigest` makes keep each row's hash and the state's sum.
extension SQLiteRuleTransaction {
    static let pinColumns = "server, tool, hash, first_seen_at, changed_at, gone_at"
    static let decisionColumns = "server, tool, hash, verdict, decided_at, decided_by, reason"

    package func toolServer(_ name: String) throws(StoreError) -> ToolServer? {
        try store.db.prepare("SELECT id, policy, first_seen_at FROM tool_servers WHERE id = ?").bind(name).first(Self.serverRow)
    }

    package func writeToolServer(_ s: ToolServer) throws(StoreError) {
        try store.db.prepare("""
            INSERT INTO tool_servers(id, policy, first_seen_at) VALUES (?,?,?)
            ON CONFLICT(id) DO UPDATE SET policy = excluded.policy, first_seen_at = excluded.first_seen_at
            """).bind(s.name, s.policy?.rawValue, s.firstSeenAt).run()
    }

    package func toolServers() throws(StoreError) -> [ToolServer] {
        try store.db.prepare("SELECT id, policy, first_seen_at FROM tool_servers ORDER BY id").all(Self.serverRow)
    }

    static func serverRow(_ s: Statement) -> ToolServer {
        ToolServer(name: s.string(0), policy: s.optString(1).flatMap(ToolPolicy.init(rawValue:)), firstSeenAt: s.optInt(2))
    }

    package func toolPolicies() throws(StoreError) -> ToolPolicies {
        var p = ToolPolicies()
        for (key, value) in try store.db.prepare("SELECT id, value FROM tool_settings").all({ ($0.string(0), $0.string(1)) }) {
            // A value outside the known ones (written behind Warden's back) reads as the strict one.
            switch key {
            case "default_policy": p.defaultPolicy = ToolPolicy(rawValue: value) ?? .review
            case "unknown_servers": p.unknownServers = UnknownServerPolicy(rawValue: value) ?? .deny
            default: break
            }
        }
        return p
    }

    package func writeToolPolicies(_ p: ToolPolicies) throws(StoreError) {
        let q = try store.db.prepare("INSERT INTO tool_settings(id, value) VALUES (?,?) ON CONFLICT(id) DO UPDATE SET value = excluded.value WHERE value IS NOT excluded.value")
        try q.bind("default_policy", p.defaultPolicy.rawValue).run()
        try q.bind("unknown_servers", p.unknownServers.rawValue).run()
    }

    package func toolPins(server: String?) throws(StoreError) -> [ToolPin] {
        let pins = try store.db.prepare("""
            SELECT \(Self.pinColumns) FROM tool_pins \(server == nil ? "" : "WHERE server = ?") ORDER BY server, tool
            """).bind(server).all { ToolPin(server: $0.string(0), tool: $0.string(1), hash: $0.string(2), firstSeenAt: $0.int(3),
                                             changedAt: $0.int(4), goneAt: $0.optInt(5), decisions: []) }
        var decisions: [String: [ToolDecision]] = [:]
        let q = try store.db.prepare("""
            SELECT \(Self.decisionColumns) FROM tool_decisions \(server == nil ? "" : "WHERE server = ?") ORDER BY decided_at, id
            """).bind(server)
        while try q.step() { decisions[q.string(0) + "/" + q.string(1), default: []].append(Self.decisionRow(q)) }
        return pins.map { p in
            var p = p
            p.decisions = decisions[p.name] ?? []
            return p
        }
    }

    package func toolDecisions(server: String, tool: String) throws(StoreError) -> [ToolDecision] {
        try store.db.prepare("SELECT \(Self.decisionColumns) FROM tool_decisions WHERE server = ? AND tool = ? ORDER BY decided_at, id")
            .bind(server, tool).all(Self.decisionRow)
    }

    static func decisionRow(_ s: Statement) -> ToolDecision {
        ToolDecision(hash: s.optString(2), verdict: ToolDecision.Verdict(rawValue: s.string(3)) ?? .rejected, at: s.int(4),
                     by: s.string(5), reason: s.optString(6))
    }

    package func writeToolPin(_ p: ToolPin) throws(StoreError) {
        try store.db.prepare("""
            INSERT INTO tool_pins(id, \(Self.pinColumns)) VALUES (?,?,?,?,?,?,?)
            ON CONFLICT(id) DO UPDATE SET hash = excluded.hash, changed_at = excluded.changed_at, gone_at = excluded.gone_at
            """).bind(p.name, p.server, p.tool, p.hash, p.firstSeenAt, p.changedAt, p.goneAt).run()
    }

    package func writeToolDecision(server: String, tool: String, _ d: ToolDecision) throws(StoreError) {
        try store.db.prepare("""
            INSERT INTO tool_decisions(id, \(Self.decisionColumns)) VALUES (?,?,?,?,?,?,?,?)
            ON CONFLICT(id) DO UPDATE SET verdict = excluded.verdict, decided_at = excluded.decided_at,
                decided_by = excluded.decided_by, reason = excluded.reason
            """).bind(ToolKeys.decision(server, tool, d.hash), server, tool, d.hash, d.verdict.rawValue, d.at, d.by, d.reason).run()
    }

    package func deleteToolDecision(server: String, tool: String, hash: String?) throws(StoreError) {
        try store.db.prepare("DELETE FROM tool_decisions WHERE id = ?").bind(ToolKeys.decision(server, tool, hash)).run()
    }

    package func insertToolDefinition(hash: String, canonical: String, at: Timestamp) throws(StoreError) {
        try store.db.prepare("INSERT INTO tool_definitions(id, definition, first_seen_at) VALUES (?,?,?) ON CONFLICT(id) DO NOTHING")
            .bind(hash, canonical, at).run()
    }

    package func toolDefinition(hash: String) throws(StoreError) -> String? {
        try store.db.prepare("SELECT definition FROM tool_definitions WHERE id = ?").bind(hash).first { $0.string(0) }
    }

    package func usedTools() throws(StoreError) -> [(server: String, tool: String)] {
        try store.db.prepare("SELECT DISTINCT server, tool FROM tool_last_used ORDER BY server, tool").all { ($0.string(0), $0.string(1)) }
    }
}

extension SQLiteStore {
    /// Pinning's facts for `authorize`, in the caller's read snapshot.
    func pinFacts(server: Substring, tool: Substring) throws(StoreError) -> ToolPinFacts {
        let q = try hot(.authPin)
        defer { q.reset() }
        q.bindOne(1, String(server))
        q.bindOne(2, server + "/" + tool)
        guard try q.step() else { return .unpinned }
        let policy = q.optString(2).map { UnknownServerPolicy(rawValue: $0) ?? .deny } ?? .allow
        return ToolPinFacts(serverKnown: q.optInt(0) == 1, toolApproved: q.optInt(1) == 1, unknownServers: policy)
    }
}

// The store's `ToolPinning` role: the rules over this connection.
extension SQLiteStore: ToolPinning {
    public func observeTools(server: String, tools: [ObservedTool], observer: String, at: Timestamp) throws(StoreError) -> [ToolPin] {
        try FleetRules(self).observeTools(server: server, tools: tools, observer: observer, at: at)
    }
    public func toolServers() throws(StoreError) -> [ToolServer] { try FleetRules(self).toolServers() }
    public func toolPolicies() throws(StoreError) -> ToolPolicies { try FleetRules(self).toolPolicies() }
    public func toolPins(server: String?) throws(StoreError) -> [ToolPin] { try FleetRules(self).toolPins(server: server) }
    public func toolPin(server: String, tool: String) throws(StoreError) -> ToolPin? {
        try FleetRules(self).toolPins(server: server).first { $0.tool == tool }
    }
    public func toolDefinition(hash: String) throws(StoreError) -> String? { try FleetRules(self).toolDefinition(hash: hash) }
    public func approveTool(server: String, tool: String, hash: String?, _ m: Mutation) throws(StoreError) -> ToolPin {
        try FleetRules(self).approveTool(server: server, tool: tool, hash: hash, m)
    }
    public func rejectTool(server: String, tool: String, hash: String?, _ m: Mutation) throws(StoreError) -> ToolPin {
        try FleetRules(self).rejectTool(server: server, tool: tool, hash: hash, m)
    }
    public func pinTools(server: String, tools: [ObservedTool], _ m: Mutation) throws(StoreError) -> Int {
        try FleetRules(self).pinTools(server: server, tools: tools, m)
    }
    public func setToolPolicy(_ policy: ToolPolicy, server: String?, _ m: Mutation) throws(StoreError) {
        try FleetRules(self).setToolPolicy(policy, server: server, m)
    }
    public func setUnknownServers(_ policy: UnknownServerPolicy, _ m: Mutation) throws(StoreError) {
        try FleetRules(self).setUnknownServers(policy, m)
    }
    public func toolActivity(since: Timestamp) throws(StoreError) -> [String: (calls: Int64, denied: Int64)] {
        try db.read { () throws(StoreError) -> [String: (calls: Int64, denied: Int64)] in
            // The writers' per-minute tally; a file from before it, open read-only and not
            // migrated, tallies its calls the same way.
            let minutes = try userVersion() < Migrations.toolMinutesVersion
                ? "(SELECT at / 60000 AS minute, server, tool, 1 AS calls, decision = 'deny' AS denied FROM tool_calls)"
                : "tool_minutes"
            let q = try db.prepare("SELECT server || '/' || tool, sum(calls), sum(denied) FROM \(minutes) WHERE minute >= ? GROUP BY server, tool")
            var out: [String: (calls: Int64, denied: Int64)] = [:]
            // Different bytes can be one string (canonically equivalent text): they count
            // together, as string keys always did.
            for (key, calls, denied) in try q.bind(since / 60_000).all({ ($0.string(0), $0.int(1), $0.int(2)) }) {
                out[key, default: (0, 0)].calls += calls
                out[key, default: (0, 0)].denied += denied
            }
            return out
        }
    }
}
