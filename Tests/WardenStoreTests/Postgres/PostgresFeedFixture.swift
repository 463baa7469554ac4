import WardenCore
import WardenStore
import WardenTestSupport
@testable import WardenPostgres

/// A fresh PostgreSQL store with one principal and `agents` agents written straight in, for the
/// feed and activity tests, which need no rules.
final class PostgresFeedFixture {
    let db: TempPostgresDatabase
    let agentIDs: [String]

    init(agents: Int = 2) throws {
        db = try TempPostgresDatabase(serverURI: TempPostgresDatabase.serverURI!)
        let c = try PostgresStore.create(uri: db.uri, trustDomain: "acme.example").connection
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

    /// A new connection to the store, as each runtime opens its own.
    func open(readOnly: Bool = false) throws(StoreError) -> PostgresStore { try PostgresStore.open(uri: db.uri, readOnly: readOnly) }

    static func call(_ agent: String, at: Timestamp, credential: String? = nil, decision: ToolCall.Decision = .allow) -> ToolCall {
        ToolCall(at: at, agentID: agent, credentialID: credential, server: "fs", tool: "read", decision: decision,
                 reason: decision == .deny ? "scope_denied" : nil)
    }
}
