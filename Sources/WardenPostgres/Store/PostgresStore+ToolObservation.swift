import WardenCore
import WardenStore

// What a listing records (`ToolRules.observe`) goes through the owner's functions
// (`ToolObservationSchema`) for every login: a gate or an ingester has no write on the pin
// tables, and the functions check each row against stored state (the trust approval above all).
extension PostgresRuleTransaction {
    private var c: PGConnection { store.connection }

    package func recordFirstSight(server: String, at: Timestamp) throws(StoreError) {
        _ = try c.query("SELECT warden_observe_tool_server($1, $2)", [server, at])
    }

    package func recordListedDefinition(hash: String, canonical: String, at: Timestamp) throws(StoreError) {
        try c.execute("SELECT warden_observe_tool_definition($1, $2, $3)", [hash, canonical, at])
    }

    package func recordListedTool(_ p: ToolPin) throws(StoreError) {
        try c.execute("SELECT warden_observe_tool_pin($1, $2, $3, $4, $5, $6)",
                      [p.server, p.tool, p.hash, p.firstSeenAt, p.changedAt, p.goneAt])
    }

    package func recordTrustApproval(server: String, tool: String, _ d: ToolDecision) throws(StoreError) {
        try c.execute("SELECT warden_trust_tool($1, $2, $3, $4, $5, $6)", [server, tool, d.hash, d.at, d.by, d.reason])
    }

    package func recordNamedApprovalPinned(server: String, tool: String, _ d: ToolDecision?) throws(StoreError) {
        try c.execute("SELECT warden_pin_named_tool($1, $2, $3, $4, $5)", [server, tool, d?.hash, d?.at, d?.reason])
    }
}
