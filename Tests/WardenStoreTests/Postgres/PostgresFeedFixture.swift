import WardenCore
import WardenStore
import WardenTestSupport
@testable import WardenPostgres

/// A fresh PostgreSQL store (schema only) with one principal and `agents` agents written
/// straight in, for the feed and activity tests that run below the store's rules.
final class PostgresFeedFixture {
    let db: TempPostgresDatabase
    let agentIDs: [String]

    init(agents: Int = 2) throws {
        db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        let c = try PGConnection(ConnectionString(db.uri))
        try PostgresSchema.create(on: c, trustDomain: "acme.example")
        try c.execute("INSERT INTO principals(id, kind, name, scopes, status, created_at) VALUES ('user:ann@acme.example', 'human', 'ann', '*', 'active', 0)")
        let ids = (0..<agents).map { "spiffe://acme.example/agent/a\($0)" }
        agentIDs = ids
        for (i, id) in ids.enumerated() {
            try c.execute("""
                INSERT INTO agents(id, name, principal_id, depth, scopes, created_at, registered)
                VALUES ($1, $2, 'user:ann@acme.example', 1, '*', 0, true)
                """, [id, "a\(i)"])
        }
    }

    func connect() throws(StoreError) -> PGConnection { try PGConnection(ConnectionString(db.uri)) }

    static func call(_ agent: String, at: Timestamp, credential: String? = nil, decision: ToolCall.Decision = .allow) -> ToolCall {
        ToolCall(at: at, agentID: agent, credentialID: credential, server: "fs", tool: "read", decision: decision,
                 reason: decision == .deny ? "scope_denied" : nil)
    }
}
