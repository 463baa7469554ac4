/// Schema version 8: gates (issue 15), mirroring SQLite's migration `gates` column for column.
/// Governed state: stamped by the change feed, hashed into the state digest, written only by
/// the operator; the gate role reads them to authenticate a caller of the decision API.
enum GateSchema {
    static var migration: String {
        var sql = """
        CREATE TABLE gates(
            id            text PRIMARY KEY,
            created_at    bigint NOT NULL,
            revoked_at    bigint,
            revoke_reason text,
            version       bigint NOT NULL DEFAULT 0,
            digest        bytea
        );
        CREATE TABLE gate_credentials(
            id          text PRIMARY KEY,
            gate_id     text NOT NULL REFERENCES gates(id),
            secret_hash bytea NOT NULL UNIQUE,
            issued_at   bigint NOT NULL,
            expires_at  bigint,
            revoked_at  bigint,
            version     bigint NOT NULL DEFAULT 0,
            digest      bytea
        );
        CREATE INDEX gate_credentials_gate ON gate_credentials(gate_id);

        """
        for (table, _, _) in GovernedState.gateTables {
            sql += """
            CREATE TRIGGER \(table)_version BEFORE INSERT OR UPDATE ON \(table)
                FOR EACH ROW EXECUTE FUNCTION warden_stamp_version();

            """
        }
        sql += GovernedState.triggers(for: GovernedState.gateTables)
        // The sums write `governed_state`, which only the owner may: they run as the owner.
        for (table, _, _) in GovernedState.gateTables {
            for op in ["insert", "update", "delete"] { sql += "ALTER FUNCTION \(table)_sum_\(op)() SECURITY DEFINER;\n" }
        }
        return sql + LeastPrivilege.hardenDefiners
    }
}
