import WardenCore
import WardenStore

// Tool pinning's rows (the rules are `FleetRules+Tools`), the same statements as SQLite's. A
// login without the operator's grants writes what a list shows through the owner's functions
// (`PostgresRoles`): a server's first sight, pins and definitions, never an approval of its own.
extension PostgresRuleTransaction {
    static let pinColumns = "server, tool, hash, first_seen_at, changed_at, gone_at"
    static let decisionColumns = "server, tool, hash, verdict, decided_at, decided_by, reason"
    private var c: PGConnection { store.connection }

    package func toolServer(_ name: String) throws(StoreError) -> ToolServer? {
        try c.query("SELECT id, policy, first_seen_at FROM tool_servers WHERE id = $1", [name]).first(Self.serverRow)
    }

    package func writeToolServer(_ s: ToolServer) throws(StoreError) {
        try c.execute("""
            INSERT INTO tool_servers(id, policy, first_seen_at) VALUES ($1, $2, $3)
            ON CONFLICT (id) DO UPDATE SET policy = excluded.policy, first_seen_at = excluded.first_seen_at
            """, [s.name, s.policy?.rawValue, s.firstSeenAt])
    }

    package func toolServers() throws(StoreError) -> [ToolServer] {
        try c.query("SELECT id, policy, first_seen_at FROM tool_servers ORDER BY id COLLATE \"C\"").map(Self.serverRow)
    }

    static func serverRow(_ r: PGRow) -> ToolServer {
        ToolServer(name: r.string(0), policy: r.optionalString(1).flatMap(ToolPolicy.init(rawValue:)), firstSeenAt: r.optionalInt64(2))
    }

    package func toolPolicies() throws(StoreError) -> ToolPolicies {
        var p = ToolPolicies()
        for (key, value) in try c.query("SELECT id, value FROM tool_settings").map({ ($0.string(0), $0.string(1)) }) {
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
        for (key, value) in [("default_policy", p.defaultPolicy.rawValue), ("unknown_servers", p.unknownServers.rawValue)] {
            try c.execute("""
                INSERT INTO tool_settings(id, value) VALUES ($1, $2)
                ON CONFLICT (id) DO UPDATE SET value = excluded.value WHERE tool_settings.value IS DISTINCT FROM excluded.value
                """, [key, value])
        }
    }

    package func toolPins(server: String?) throws(StoreError) -> [ToolPin] {
        let filter = server == nil ? "" : "WHERE server = $1"
        let params: [(any PGBindable)?] = server.map { [$0] } ?? []
        let pins = try c.query("SELECT \(Self.pinColumns) FROM tool_pins \(filter) ORDER BY server COLLATE \"C\", tool COLLATE \"C\"", params)
            .map { ToolPin(server: $0.string(0), tool: $0.string(1), hash: $0.string(2), firstSeenAt: $0.int64(3),
                           changedAt: $0.int64(4), goneAt: $0.optionalInt64(5), decisions: []) }
        var decisions: [String: [ToolDecision]] = [:]
        for (key, d) in try c.query("SELECT \(Self.decisionColumns) FROM tool_decisions \(filter) ORDER BY decided_at, id COLLATE \"C\"", params)
            .map({ ($0.string(0) + "/" + $0.string(1), Self.decisionRow($0)) }) {
            decisions[key, default: []].append(d)
        }
        return pins.map { p in
            var p = p
            p.decisions = decisions[p.name] ?? []
            return p
        }
    }

    package func toolDecisions(server: String, tool: String) throws(StoreError) -> [ToolDecision] {
        try c.query("SELECT \(Self.decisionColumns) FROM tool_decisions WHERE server = $1 AND tool = $2 ORDER BY decided_at, id COLLATE \"C\"",
                    [server, tool]).map(Self.decisionRow)
    }

    static func decisionRow(_ r: PGRow) -> ToolDecision {
        ToolDecision(hash: r.optionalString(2), verdict: ToolDecision.Verdict(rawValue: r.string(3)) ?? .rejected,
                     at: r.int64(4), by: r.string(5), reason: r.optionalString(6))
    }

    package func writeToolPin(_ p: ToolPin) throws(StoreError) {
        try c.execute("""
            INSERT INTO tool_pins(id, \(Self.pinColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (id) DO UPDATE SET hash = excluded.hash, changed_at = excluded.changed_at, gone_at = excluded.gone_at
            """, [p.name, p.server, p.tool, p.hash, p.firstSeenAt, p.changedAt, p.goneAt])
    }

    package func writeToolDecision(server: String, tool: String, _ d: ToolDecision) throws(StoreError) {
        try c.execute("""
            INSERT INTO tool_decisions(id, \(Self.decisionColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (id) DO UPDATE SET verdict = excluded.verdict, decided_at = excluded.decided_at,
                decided_by = excluded.decided_by, reason = excluded.reason
            """, [ToolKeys.decision(server, tool, d.hash), server, tool, d.hash, d.verdict.rawValue, d.at, d.by, d.reason])
    }

    package func deleteToolDecision(server: String, tool: String, hash: String?) throws(StoreError) {
        try c.execute("DELETE FROM tool_decisions WHERE id = $1", [ToolKeys.decision(server, tool, hash)])
    }

    package func insertToolDefinition(hash: String, canonical: String, at: Timestamp) throws(StoreError) {
        try c.execute("INSERT INTO tool_definitions(id, definition, first_seen_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
                      [hash, canonical, at])
    }

    package func toolDefinition(hash: String) throws(StoreError) -> String? {
        try c.query("SELECT definition FROM tool_definitions WHERE id = $1", [hash]).first { $0.string(0) }
    }

    package func usedTools() throws(StoreError) -> [(server: String, tool: String)] {
        try c.query("SELECT DISTINCT server COLLATE \"C\", tool COLLATE \"C\" FROM tool_last_used ORDER BY 1, 2")
            .map { ($0.string(0), $0.string(1)) }
    }
}

extension PostgresStore: ToolPinning {
    public func observeTools(server: String, tools: [ObservedTool], observer: String, at: Timestamp) throws(StoreError) -> [ToolPin] {
        try rules.observeTools(server: server, tools: tools, observer: observer, at: at)
    }
    public func toolServers() throws(StoreError) -> [ToolServer] { try rules.toolServers() }
    public func toolPolicies() throws(StoreError) -> ToolPolicies { try rules.toolPolicies() }
    public func toolPins(server: String?) throws(StoreError) -> [ToolPin] { try rules.toolPins(server: server) }
    public func toolPin(server: String, tool: String) throws(StoreError) -> ToolPin? {
        try rules.toolPins(server: server).first { $0.tool == tool }
    }
    public func toolDefinition(hash: String) throws(StoreError) -> String? { try rules.toolDefinition(hash: hash) }
    public func approveTool(server: String, tool: String, hash: String?, _ m: Mutation) throws(StoreError) -> ToolPin {
        try rules.approveTool(server: server, tool: tool, hash: hash, m)
    }
    public func rejectTool(server: String, tool: String, hash: String?, _ m: Mutation) throws(StoreError) -> ToolPin {
        try rules.rejectTool(server: server, tool: tool, hash: hash, m)
    }
    public func pinTools(server: String, tools: [ObservedTool], _ m: Mutation) throws(StoreError) -> Int {
        try rules.pinTools(server: server, tools: tools, m)
    }
    public func setToolPolicy(_ policy: ToolPolicy, server: String?, _ m: Mutation) throws(StoreError) {
        try rules.setToolPolicy(policy, server: server, m)
    }
    public func setUnknownServers(_ policy: UnknownServerPolicy, _ m: Mutation) throws(StoreError) {
        try rules.setUnknownServers(policy, m)
    }
    public func toolActivity(since: Timestamp) throws(StoreError) -> [String: (calls: Int64, denied: Int64)] {
        // The writers' per-minute tally (`tool_minutes`), from the minute `since` falls in.
        let rows = try read { () throws(StoreError) -> [(String, Int64, Int64)] in
            try connection.query("""
                SELECT server || '/' || tool, sum(calls)::bigint, sum(denied)::bigint FROM tool_minutes WHERE minute >= $1
                GROUP BY server, tool
                """, [since / 60_000]).map { ($0.string(0), $0.int64(1), $0.int64(2)) }
        }
        var out: [String: (calls: Int64, denied: Int64)] = [:]
        for (k, calls, denied) in rows {
            out[k, default: (0, 0)].calls += calls
            out[k, default: (0, 0)].denied += denied
        }
        return out
    }
}
