/// The PostgreSQL schema, versioned in `meta.schema_version`. The tables and columns mirror the
/// SQLite store's (Sources/WardenSQLite/Schema/Migrations.swift) in their final shape, so a store
/// copies between the two column for column. Append a migration to change it, never edit one
/// that has shipped, and keep each additive: a binary works with its own version and the next.
enum PostgresMigrations {
    static let all: [String] = [v1, LeastPrivilege.migration, ToolPinSchema.migration, ToolObservationSchema.migration,
                                DigestLimbSums.migration + LeastPrivilege.rehardened(DigestLimbSums.replaced),
                                InsertedVersions.migration + LeastPrivilege.rehardened(InsertedVersions.replaced),
                                CallSeqBounds.migration, GateSchema.migration,
                                CallOrigin.migration, GovernanceVersionSchema.migration, RowChangeLog.migration,
                                ToolMinutes.migration, ObservedAgentIDs.migration + JournalAppend.migration + JournalObservation.migration + ActivityBounds.migration]

    static var latest: Int { all.count }
    /// The version that added tool pinning.
    static let toolPinsVersion = 3

    static let v1 = tables + GovernedState.schema

    static let tables = """
    CREATE TABLE meta(
        key   text PRIMARY KEY,
        value text NOT NULL
    );

    -- Cursors handed out in commit order: a writer takes the next values with
    -- `UPDATE cursors SET value = value + n WHERE name = … RETURNING value`, whose row lock is
    -- held until it commits, so a later value never commits before an earlier one and a reader
    -- that has seen N has seen everything at or below N. 'row_version' stamps changed rows (the
    -- triggers below), 'tool_call' numbers calls, 'call_outcome' numbers outcomes.
    CREATE TABLE cursors(
        name  text PRIMARY KEY,
        value bigint NOT NULL
    );
    INSERT INTO cursors VALUES ('row_version', 1), ('tool_call', 0), ('call_outcome', 0);

    CREATE TABLE principals(
        id          text PRIMARY KEY,
        kind        text NOT NULL CHECK (kind IN ('human','workload')),
        name        text NOT NULL,
        scopes      text NOT NULL,
        status      text NOT NULL CHECK (status IN ('active','disabled')),
        created_at  bigint NOT NULL,
        disabled_at bigint,
        version     bigint NOT NULL DEFAULT 0,
        digest      bytea
    );
    CREATE INDEX principals_version ON principals(version);

    -- `ord` is the order rows were first written (SQLite's rowid): agents() lists agents by it,
    -- credentials and instances are listed by it when not by agent.
    CREATE TABLE agents(
        ord           bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        id            text PRIMARY KEY,
        name          text NOT NULL,
        principal_id  text NOT NULL REFERENCES principals(id),
        parent_id     text REFERENCES agents(id),
        depth         integer NOT NULL,
        scopes        text NOT NULL,
        created_at    bigint NOT NULL,
        expires_at    bigint,
        revoked_at    bigint,
        revoke_reason text,
        registered    boolean NOT NULL DEFAULT true,
        version       bigint NOT NULL DEFAULT 0,
        revoked_by    text,
        digest        bytea
    );
    CREATE INDEX agents_parent ON agents(parent_id);
    CREATE INDEX agents_principal ON agents(principal_id);
    CREATE INDEX agents_name ON agents(name);
    CREATE INDEX agents_version ON agents(version);

    CREATE TABLE instances(
        ord            bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        id             text PRIMARY KEY,
        agent_id       text NOT NULL REFERENCES agents(id),
        host           text NOT NULL,
        pid            bigint,
        started_at     bigint NOT NULL,
        last_heartbeat bigint NOT NULL,
        stopped_at     bigint,
        version        bigint NOT NULL DEFAULT 0
    );
    CREATE INDEX instances_agent ON instances(agent_id);
    CREATE INDEX instances_version ON instances(version);

    CREATE TABLE credentials(
        ord          bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        id           text PRIMARY KEY,
        agent_id     text NOT NULL REFERENCES agents(id),
        instance_id  text REFERENCES instances(id),
        secret_hash  bytea NOT NULL UNIQUE,
        scopes       text NOT NULL,
        issued_at    bigint NOT NULL,
        expires_at   bigint,
        revoked_at   bigint,
        version      bigint NOT NULL DEFAULT 0,
        revoked_by   text,
        digest       bytea,
        renewed_from text
    );
    CREATE INDEX credentials_agent ON credentials(agent_id);
    CREATE INDEX credentials_version ON credentials(version);
    CREATE INDEX credentials_renewed_from ON credentials(renewed_from) WHERE renewed_from IS NOT NULL;
    CREATE INDEX credentials_instance ON credentials(instance_id) WHERE instance_id IS NOT NULL;

    CREATE TABLE tool_calls(
        seq           bigint PRIMARY KEY,
        at            bigint NOT NULL,
        agent_id      text NOT NULL,
        instance_id   text,
        credential_id text,
        server        text NOT NULL,
        tool          text NOT NULL,
        decision      text NOT NULL CHECK (decision IN ('allow','deny')),
        reason        text,
        duration_ms   bigint,
        result        text,
        args          text,
        outcome_seq   bigint
    );
    CREATE INDEX tool_calls_agent ON tool_calls(agent_id, seq);
    CREATE INDEX tool_calls_denied ON tool_calls(seq) WHERE decision = 'deny';
    CREATE UNIQUE INDEX tool_calls_outcome ON tool_calls(outcome_seq) WHERE outcome_seq IS NOT NULL;

    CREATE TABLE call_keys(
        session_id  text NOT NULL,
        tool_use_id text NOT NULL,
        call_seq    bigint NOT NULL,
        PRIMARY KEY (session_id, tool_use_id)
    );

    -- Per-agent counts by minute, kept as calls are recorded, so rates never scan raw calls.
    CREATE TABLE call_minutes(
        agent_id text NOT NULL,
        minute   bigint NOT NULL,
        calls    bigint NOT NULL,
        denied   bigint NOT NULL,
        PRIMARY KEY (minute, agent_id)
    );

    CREATE TABLE tool_last_used(
        agent_id text NOT NULL,
        server   text NOT NULL,
        tool     text NOT NULL,
        last_at  bigint NOT NULL,
        PRIMARY KEY (agent_id, server, tool)
    );

    CREATE TABLE audit(
        seq          bigint PRIMARY KEY,
        at           bigint NOT NULL,
        operator     text NOT NULL,
        action       text NOT NULL,
        target       text NOT NULL,
        before       text,
        after        text,
        reason       text,
        prev_hash    text NOT NULL,
        hash         text NOT NULL,
        state_digest text
    );

    -- Row versions: every insert or update of a principal, agent, credential or instance takes
    -- the next 'row_version' (in commit order, see `cursors`), whoever writes. A writer that
    -- stamps versions itself (a set-based cascade) sets `version` to a new value and is left alone.
    CREATE FUNCTION warden_stamp_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.version IS DISTINCT FROM OLD.version THEN
            RETURN NEW;
        END IF;
        UPDATE cursors SET value = value + 1 WHERE name = 'row_version' RETURNING value INTO NEW.version;
        RETURN NEW;
    END $$;
    CREATE TRIGGER principals_version BEFORE INSERT OR UPDATE ON principals
        FOR EACH ROW EXECUTE FUNCTION warden_stamp_version();
    CREATE TRIGGER agents_version BEFORE INSERT OR UPDATE ON agents
        FOR EACH ROW EXECUTE FUNCTION warden_stamp_version();
    CREATE TRIGGER credentials_version BEFORE INSERT OR UPDATE ON credentials
        FOR EACH ROW EXECUTE FUNCTION warden_stamp_version();
    CREATE TRIGGER instances_version BEFORE INSERT OR UPDATE ON instances
        FOR EACH ROW EXECUTE FUNCTION warden_stamp_version();
    """
}
