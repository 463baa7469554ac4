/// Schema version 8: where each call came from (`via`, set by the recording path), the
/// gateway's MCP session and the client's self-description; and `services`, the heartbeat rows
/// of `warden serve` (a gate login writes them). Mirrors SQLite's `Migrations.callOrigin`.
///
/// An ingester records what telemetry reports, so the calls it inserts say `ingest` and nothing
/// else: a collector's login cannot pass telemetry off as calls the gateway or a proxy decided.
/// Checked once per statement over its new rows. A login that is also a gate or an operator (or
/// the owner, or a superuser, who belongs to every role) records through the other paths too.
/// Not a definer: it reads only the statement's rows and the catalog, schema-qualified.
enum CallOrigin {
    static let migration = """
    ALTER TABLE tool_calls ADD COLUMN via text CHECK (via IN ('proxy','gateway','ingest','hook','cli'));
    ALTER TABLE tool_calls ADD COLUMN mcp_session text;
    ALTER TABLE tool_calls ADD COLUMN client text;

    CREATE FUNCTION warden_bound_call_via() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF pg_catalog.to_regrole('\(PostgresRoles.ingestRole)') IS NULL
           OR NOT pg_catalog.pg_has_role(session_user, '\(PostgresRoles.ingestRole)', 'MEMBER') THEN
            RETURN NULL;
        END IF;
        IF (pg_catalog.to_regrole('\(PostgresRoles.gateRole)') IS NOT NULL
                AND pg_catalog.pg_has_role(session_user, '\(PostgresRoles.gateRole)', 'MEMBER'))
           OR (pg_catalog.to_regrole('\(PostgresRoles.operatorRole)') IS NOT NULL
                AND pg_catalog.pg_has_role(session_user, '\(PostgresRoles.operatorRole)', 'MEMBER')) THEN
            RETURN NULL;
        END IF;
        IF EXISTS (SELECT 1 FROM new_rows WHERE via IS DISTINCT FROM 'ingest') THEN
            RAISE EXCEPTION 'an ingester records calls via ingest only, not as a gateway, proxy, hook or cli call'
                USING ERRCODE = '42501';
        END IF;
        RETURN NULL;
    END $$;
    CREATE TRIGGER tool_calls_via_insert AFTER INSERT ON tool_calls REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION warden_bound_call_via();

    CREATE TABLE services(
        id             text PRIMARY KEY,
        host           text NOT NULL,
        listen         text NOT NULL,
        pid            bigint NOT NULL,
        version        text NOT NULL,
        started_at     bigint NOT NULL,
        last_heartbeat bigint NOT NULL,
        sessions       bigint NOT NULL,
        stopped_at     bigint
    );
    """
}
