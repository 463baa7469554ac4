/// The SQL `warden store roles` prints: four group roles and their grants on this database's
/// store, to be run by the store's owner (with a role that may create roles). It can run again
/// at any time: the roles are made when missing (they are cluster-wide), every grant is first
/// revoked then given, so after a migration running it again grants what new tables need.
/// Writes narrower than a table go through the owner's functions (`LeastPrivilege`).
public enum PostgresRoles {
    public static let operatorRole = "warden_operator"
    public static let gateRole = "warden_gate"
    public static let ingestRole = "warden_ingest"
    public static let viewerRole = "warden_viewer"
    static let all = [operatorRole, gateRole, ingestRole, viewerRole]

    /// The store's tables, all of them (a role's grants are reset on each).
    static let tables = ["meta", "cursors", "principals", "agents", "instances", "credentials", "tool_calls", "call_keys",
                         "call_minutes", "tool_last_used", "tool_minutes", "audit", "governed_state", "services", "row_changes"] + toolTables + gateTables
    /// Tool pinning's governed tables (schema 3): the operator writes them; a gate and an
    /// ingester read them (a decision needs the pins).
    static let toolTables = ["tool_servers", "tool_settings", "tool_pins", "tool_definitions", "tool_decisions"]
    /// Gates (schema 8): the operator writes them; a gate reads them to authenticate a caller of
    /// the decision API (AuthZEN); no role but the operator adds, revokes or issues.
    static let gateTables = ["gates", "gate_credentials"]
    /// What the rules and the change feed write, beside the journal.
    static let fleetTables = ["principals", "agents", "instances", "credentials", "tool_calls", "call_keys", "call_minutes",
                              "tool_last_used", "tool_minutes"] + toolTables + gateTables

    /// Activity a gate records (calls, their outcomes and aggregates; instances starting,
    /// heartbeating and stopping), column by column where an update must stay narrow.
    static let activityGrants = """
        GRANT INSERT ON tool_calls, call_keys, call_minutes, tool_last_used, tool_minutes, instances TO %@;
        GRANT UPDATE (duration_ms, result, outcome_seq) ON tool_calls TO %@;
        GRANT UPDATE (call_seq) ON call_keys TO %@;
        GRANT UPDATE (calls, denied) ON call_minutes TO %@;
        GRANT UPDATE (last_at) ON tool_last_used TO %@;
        GRANT UPDATE (calls, denied) ON tool_minutes TO %@;
        GRANT UPDATE (host, pid, last_heartbeat, stopped_at) ON instances TO %@;
        GRANT EXECUTE ON FUNCTION warden_take_cursor(text, bigint) TO %@;
        """

    /// What a role that sees tool lists may record of them, through the owner's functions
    /// (`ToolObservationSchema`): first sight, definitions, current hashes and gone marks, the
    /// policy's approval at first sight decided there, and the `tools.observe` record, which
    /// needs the journal's head (its chain columns only).
    static var toolObservationGrants: String {
        """
        GRANT EXECUTE ON FUNCTION \(ToolObservationSchema.functions.joined(separator: ", ")),
            \(ToolObservationSchema.journalFunction) TO %@;
        GRANT SELECT (seq, hash, state_digest) ON audit TO %@;
        """
    }

    public static var sql: String {
        let roles = all.joined(separator: ", ")
        let readable = tables.filter { $0 != "audit" }.joined(separator: ", ")
        return """
        -- Warden's roles on this database's store (schema version \(PostgresMigrations.latest)), printed by `warden store roles`.
        -- Run it as the store's owner, with a role that may create roles:
        --     warden store roles | psql -v ON_ERROR_STOP=1 "$OWNER_URI"
        -- It can run again at any time (and should after `warden store migrate`): roles missing are made,
        -- every grant below is reset, then given.
        --   \(operatorRole)  everything an operator does; the journal only read and appended
        --   \(gateRole)      what a decision reads; records calls, starts, heartbeats and stops instances, and the tool lists it sees
        --   \(ingestRole)    telemetry: calls (recorded via ingest only), instances, and the unregistered agents it observes with their journal records
        --   \(viewerRole)    reads only
        BEGIN;
        DO $$
        BEGIN
            IF to_regclass('meta') IS NULL THEN
                RAISE EXCEPTION 'no Warden store in this database''s schema %; run `warden init` first', current_schema();
            END IF;
            IF (SELECT value::int FROM meta WHERE key = 'schema_version') < \(PostgresMigrations.latest) THEN
                RAISE EXCEPTION 'the store is older than these roles (schema version \(PostgresMigrations.latest)); run `warden store migrate` first';
            END IF;
            -- Roles are the cluster's, not the database's: the same script applied to two stores
            -- of one cluster at once may both find a role missing, and the second CREATE then
            -- fails (unique_violation while the first is uncommitted, duplicate_object after).
        \(all.map { """
                IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '\($0)') THEN
                    BEGIN
                        CREATE ROLE \($0) NOLOGIN;
                    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
                    END;
                END IF;
        """ }.joined(separator: "\n"))
            EXECUTE format('GRANT USAGE ON SCHEMA %I TO \(roles)', current_schema());
            -- No one but the owner creates in the store's schema (PostgreSQL before 15 let
            -- everyone create in public): the owner's definer functions resolve names there, so
            -- a function someone else made there (a convert_to(text, text) beats the built-in
            -- for a 'UTF8' literal) would run as the owner.
            EXECUTE format('REVOKE CREATE ON SCHEMA %I FROM PUBLIC, \(roles)', current_schema());
        END $$;

        REVOKE ALL ON \(tables.joined(separator: ", ")) FROM \(roles);
        REVOKE ALL ON FUNCTION warden_take_cursor(text, bigint), warden_observe_principal(text, text, bigint),
            warden_observe_agent(text, text, text, text, bigint),
            warden_journal_observation(bigint, bigint, text, text, text, text, text, text, text, text, text),
            warden_compact_changes("char", bigint, integer),
            \(ToolObservationSchema.functions.joined(separator: ", ")) FROM \(roles);

        -- Reads: the viewer and the operator read everything; the gate what a decision and its
        -- records need (not the journal); the ingester that and the journal's head.
        GRANT SELECT ON \(tables.joined(separator: ", ")) TO \(viewerRole), \(operatorRole), \(ingestRole);
        GRANT SELECT ON \(readable) TO \(gateRole);

        -- The operator: every row write the rules make, no TRUNCATE; the journal append-only.
        GRANT INSERT, UPDATE, DELETE ON \(fleetTables.joined(separator: ", ")) TO \(operatorRole);
        GRANT UPDATE ON governed_state TO \(operatorRole);
        GRANT INSERT ON audit TO \(operatorRole);
        GRANT EXECUTE ON FUNCTION warden_observe_principal(text, text, bigint), warden_observe_agent(text, text, text, text, bigint),
            warden_journal_observation(bigint, bigint, text, text, text, text, text, text, text, text, text) TO \(operatorRole);
        GRANT EXECUTE ON FUNCTION warden_take_cursor(text, bigint) TO \(operatorRole);
        -- Retention's upkeep of the change log (superseded entries only).
        GRANT EXECUTE ON FUNCTION warden_compact_changes("char", bigint, integer) TO \(operatorRole);
        GRANT EXECUTE ON FUNCTION \(ToolObservationSchema.functions.joined(separator: ", ")) TO \(operatorRole);

        -- `warden serve`'s heartbeat row: the service runs as a gate login (or an operator's).
        GRANT INSERT, UPDATE ON services TO \(gateRole), \(operatorRole);
        -- Retention: rows of services silent as long as a prunable instance.
        GRANT DELETE ON services TO \(operatorRole);

        -- The gate: activity, and the tool lists it sees (pending unless the stored policy
        -- trusts a server at first sight; never an approval, a rejection or a policy). No agent,
        -- credential or principal write; in the journal only what it observed.
        \(activityGrants.replacingAll("%@", with: gateRole))
        \(toolObservationGrants.replacingAll("%@", with: gateRole))

        -- The ingester: the gate's activity, and the identities it observes through the owner's
        -- functions (unregistered, without scopes; journaled once each, on the chain).
        \(activityGrants.replacingAll("%@", with: ingestRole))
        GRANT EXECUTE ON FUNCTION warden_observe_principal(text, text, bigint), warden_observe_agent(text, text, text, text, bigint),
            warden_journal_observation(bigint, bigint, text, text, text, text, text, text, text, text, text) TO \(ingestRole);
        \(toolObservationGrants.replacingAll("%@", with: ingestRole))
        COMMIT;

        -- Logins: one per host, member of the one role it needs (roles are cluster-wide), e.g.
        --     CREATE ROLE ci_runner_7 LOGIN IN ROLE \(gateRole);   -- an agent's host: the proxy, hooks, authorize
        --     CREATE ROLE collector LOGIN IN ROLE \(ingestRole);    -- a telemetry collector: warden ingest
        --     CREATE ROLE ann LOGIN IN ROLE \(operatorRole);         -- an operator: the journal names this login
        --     CREATE ROLE wallboard LOGIN IN ROLE \(viewerRole);     -- a read-only dashboard
        -- then give each a password (\\password in psql) kept in its host's password file.

        """
    }
}
