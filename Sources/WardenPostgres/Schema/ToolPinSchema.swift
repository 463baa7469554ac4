/// Schema version 3: tool pinning (issue 16), mirroring SQLite's migration `toolPins` column
/// for column. All five tables are governed state: stamped by the change feed, hashed into the
/// state digest. The roles' narrower writes (a gate records what it sees, pending only) go
/// through the owner's functions (`PostgresRoles`). The upgrade's approvals of the tools in use
/// are the rules' (`ToolRules.approveUsedTools`), run by `migrate` after this step.
enum ToolPinSchema {
    static var migration: String {
        var sql = """
        CREATE TABLE tool_servers(
            id            text PRIMARY KEY,
            policy        text CHECK (policy IN ('review','trust')),
            first_seen_at bigint,
            version       bigint NOT NULL DEFAULT 0,
            digest        bytea
        );
        CREATE TABLE tool_settings(
            id      text PRIMARY KEY CHECK (id IN ('default_policy','unknown_servers')),
            value   text NOT NULL,
            version bigint NOT NULL DEFAULT 0,
            digest  bytea
        );
        CREATE TABLE tool_pins(
            id            text PRIMARY KEY,
            server        text NOT NULL,
            tool          text NOT NULL,
            hash          text NOT NULL,
            first_seen_at bigint NOT NULL,
            changed_at    bigint NOT NULL,
            gone_at       bigint,
            version       bigint NOT NULL DEFAULT 0,
            digest        bytea
        );
        CREATE INDEX tool_pins_server ON tool_pins(server, tool);
        CREATE TABLE tool_definitions(
            id            text PRIMARY KEY,
            definition    text NOT NULL,
            first_seen_at bigint NOT NULL,
            version       bigint NOT NULL DEFAULT 0,
            digest        bytea
        );
        CREATE TABLE tool_decisions(
            id         text PRIMARY KEY,
            server     text NOT NULL,
            tool       text NOT NULL,
            hash       text,
            verdict    text NOT NULL CHECK (verdict IN ('approved','rejected')),
            decided_at bigint NOT NULL,
            decided_by text NOT NULL,
            reason     text,
            version    bigint NOT NULL DEFAULT 0,
            digest     bytea
        );
        CREATE INDEX tool_decisions_tool ON tool_decisions(server, tool);

        """
        for (table, _, _) in GovernedState.pinTables {
            sql += """
            CREATE TRIGGER \(table)_version BEFORE INSERT OR UPDATE ON \(table)
                FOR EACH ROW EXECUTE FUNCTION warden_stamp_version();

            """
        }
        sql += GovernedState.triggers(for: GovernedState.pinTables)
        // As schema 2 did for the first tables: the sums write `governed_state`, which only the
        // owner may, so they run as the owner whoever fires them.
        for (table, _, _) in GovernedState.pinTables {
            for op in ["insert", "update", "delete"] { sql += "ALTER FUNCTION \(table)_sum_\(op)() SECURITY DEFINER;\n" }
        }
        sql += """
        DO $$
        DECLARE
            f regprocedure;
        BEGIN
            FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
                     WHERE p.pronamespace = current_schema()::regnamespace AND p.prosecdef LOOP
                EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_temp', f, current_schema());
            END LOOP;
        END $$;
        """
        return sql
    }
}
