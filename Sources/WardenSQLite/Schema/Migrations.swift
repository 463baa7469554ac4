import WardenStore
/// The schema, versioned with PRAGMA user_version and migrated forward on open.
/// Append a migration to change the schema; never edit one that has shipped.
enum Migrations {
    static let all: [String] = [v1, v2, revokedBy, stateDigest, renewalAndRetention, toolLastUsed, callOutcomes, redactArguments, claimedBy, toolPins, gates, callOrigin,
                                toolMinutes]

    static var latest: Int { all.count }

    static let v1 = """
    CREATE TABLE meta(
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE principals(
        id          TEXT PRIMARY KEY,
        kind        TEXT NOT NULL CHECK (kind IN ('human','workload')),
        name        TEXT NOT NULL,
        scopes      TEXT NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('active','disabled')),
        created_at  INTEGER NOT NULL,
        disabled_at INTEGER
    ) WITHOUT ROWID;

    CREATE TABLE agents(
        id            TEXT PRIMARY KEY,
        name          TEXT NOT NULL,
        principal_id  TEXT NOT NULL REFERENCES principals(id),
        parent_id     TEXT REFERENCES agents(id),
        depth         INTEGER NOT NULL,
        scopes        TEXT NOT NULL,
        created_at    INTEGER NOT NULL,
        expires_at    INTEGER,
        revoked_at    INTEGER,
        revoke_reason TEXT,
        registered    INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX agents_parent ON agents(parent_id);
    CREATE INDEX agents_principal ON agents(principal_id);
    CREATE INDEX agents_name ON agents(name);

    CREATE TABLE instances(
        id             TEXT PRIMARY KEY,
        agent_id       TEXT NOT NULL REFERENCES agents(id),
        host           TEXT NOT NULL,
        pid            INTEGER,
        started_at     INTEGER NOT NULL,
        last_heartbeat INTEGER NOT NULL,
        stopped_at     INTEGER
    );
    CREATE INDEX instances_agent ON instances(agent_id);

    CREATE TABLE credentials(
        id          TEXT PRIMARY KEY,
        agent_id    TEXT NOT NULL REFERENCES agents(id),
        instance_id TEXT REFERENCES instances(id),
        secret_hash BLOB NOT NULL UNIQUE,
        scopes      TEXT NOT NULL,
        issued_at   INTEGER NOT NULL,
        expires_at  INTEGER,
        revoked_at  INTEGER
    );
    CREATE INDEX credentials_agent ON credentials(agent_id);

    CREATE TABLE tool_calls(
        seq           INTEGER PRIMARY KEY,
        at            INTEGER NOT NULL,
        agent_id      TEXT NOT NULL,
        instance_id   TEXT,
        credential_id TEXT,
        server        TEXT NOT NULL,
        tool          TEXT NOT NULL,
        decision      TEXT NOT NULL CHECK (decision IN ('allow','deny')),
        reason        TEXT,
        duration_ms   INTEGER,
        result        TEXT,
        args          TEXT
    );
    CREATE INDEX tool_calls_agent ON tool_calls(agent_id, seq);
    CREATE INDEX tool_calls_denied ON tool_calls(seq) WHERE decision = 'deny';

    -- Per-agent counts by minute, kept as calls are recorded, so rates and sparklines
    -- never scan raw calls.
    CREATE TABLE call_minutes(
        agent_id TEXT NOT NULL,
        minute   INTEGER NOT NULL,
        calls    INTEGER NOT NULL,
        denied   INTEGER NOT NULL,
        PRIMARY KEY (minute, agent_id)
    ) WITHOUT ROWID;

    CREATE TABLE audit(
        seq       INTEGER PRIMARY KEY,
        at        INTEGER NOT NULL,
        operator  TEXT NOT NULL,
        action    TEXT NOT NULL,
        target    TEXT NOT NULL,
        before    TEXT,
        after     TEXT,
        reason    TEXT,
        prev_hash TEXT NOT NULL,
        hash      TEXT NOT NULL
    );
    """

    /// Row versions: every insert or update of a principal, agent, credential or instance stamps
    /// the row with a new value of one store-wide counter, so readers reload only what changed
    /// (`changedRows(afterVersion:)`). Triggers keep it true whoever writes.
    static let v2: String = {
        var sql = """
        CREATE TABLE row_version(id INTEGER PRIMARY KEY CHECK (id = 1), v INTEGER NOT NULL);
        INSERT INTO row_version VALUES (1, 1);

        """
        for (table, key) in [("principals", "id"), ("agents", "id"), ("credentials", "id"), ("instances", "id")] {
            sql += """
            ALTER TABLE \(table) ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
            UPDATE \(table) SET version = 1;
            CREATE INDEX \(table)_version ON \(table)(version);
            CREATE TRIGGER \(table)_version_insert AFTER INSERT ON \(table) BEGIN
                UPDATE row_version SET v = v + 1;
                UPDATE \(table) SET version = (SELECT v FROM row_version) WHERE \(key) = NEW.\(key);
            END;
            CREATE TRIGGER \(table)_version_update AFTER UPDATE ON \(table) WHEN NEW.version = OLD.version BEGIN
                UPDATE row_version SET v = v + 1;
                UPDATE \(table) SET version = (SELECT v FROM row_version) WHERE \(key) = NEW.\(key);
            END;

            """
        }
        return sql
    }()

    /// The cause of each revocation: `revoked_by` names the agent, principal or credential whose
    /// revocation revoked the row (its own ID when it was revoked itself), so a cascade is named
    /// by where it started rather than recognised by rows sharing a timestamp. Existing rows are
    /// backfilled once by that old heuristic: a row revoked at the very time its delegator was
    /// revoked (or its principal disabled) takes the delegator's cause, top-down.
    static let revokedBy = """
    ALTER TABLE agents ADD COLUMN revoked_by TEXT;
    ALTER TABLE credentials ADD COLUMN revoked_by TEXT;
    CREATE TEMP TABLE backfill_causes(id TEXT PRIMARY KEY, cause TEXT) WITHOUT ROWID;
    WITH RECURSIVE walk(id, cause, at) AS (
        SELECT a.id,
               CASE WHEN a.revoked_at IS NULL THEN NULL
                    WHEN p.status = 'disabled' AND p.disabled_at = a.revoked_at THEN p.id
                    ELSE a.id END,
               a.revoked_at
        FROM agents a LEFT JOIN principals p ON p.id = a.principal_id
        WHERE a.parent_id IS NULL OR a.parent_id NOT IN (SELECT id FROM agents)
        UNION
        SELECT c.id,
               CASE WHEN c.revoked_at IS NULL THEN NULL
                    WHEN walk.cause IS NOT NULL AND walk.at = c.revoked_at THEN walk.cause
                    ELSE c.id END,
               c.revoked_at
        FROM agents c JOIN walk ON c.parent_id = walk.id)
    INSERT OR IGNORE INTO backfill_causes(id, cause) SELECT id, cause FROM walk WHERE cause IS NOT NULL;
    UPDATE agents SET revoked_by = (SELECT cause FROM backfill_causes b WHERE b.id = agents.id)
    WHERE revoked_at IS NOT NULL;
    UPDATE agents SET revoked_by = id WHERE revoked_at IS NOT NULL AND revoked_by IS NULL;
    UPDATE credentials SET revoked_by = coalesce(
        (SELECT a.revoked_by FROM agents a WHERE a.id = credentials.agent_id AND a.revoked_at = credentials.revoked_at), id)
    WHERE revoked_at IS NOT NULL;
    DROP TABLE temp.backfill_causes;
    """

    /// The state digest (rule 5): a hash per governed row, their sum, and the sum in each journal
    /// record. Triggers and the baseline are built from the schema after migrating
    /// (`ensureStateDigest`), so a later migration that adds a governed column is covered.
    static let stateDigest = """
    ALTER TABLE principals ADD COLUMN digest BLOB;
    ALTER TABLE agents ADD COLUMN digest BLOB;
    ALTER TABLE credentials ADD COLUMN digest BLOB;
    ALTER TABLE audit ADD COLUMN state_digest TEXT;
    CREATE TABLE governed_state(
        id        INTEGER PRIMARY KEY CHECK (id = 1),
        digest    BLOB NOT NULL,
        signature TEXT NOT NULL
    );
    INSERT INTO governed_state VALUES (1, zeroblob(32), '');
    """

    /// Arguments recorded before the one redaction rule are redacted in place,
    /// journaled with the count, and VACUUMed out of the file. The work is Swift's
    /// (`SQLiteStore.redactStoredArguments`), run by `migrate` after every step of the schema.
    static let redactArguments = "-- redact stored tool-call arguments (RedactStoredArguments.swift)\nSELECT 1;"

    /// Renewal and retention. `renewed_from` names the credential a renewal replaced (one
    /// successor each, found by its index). Instances a credential is bound to are found by
    /// index when pruning (such instances are kept). No index on call times: the pruner finds
    /// old calls in read transactions, which block no one.
    static let renewalAndRetention = """
    ALTER TABLE credentials ADD COLUMN renewed_from TEXT;
    CREATE INDEX credentials_renewed_from ON credentials(renewed_from) WHERE renewed_from IS NOT NULL;
    CREATE INDEX credentials_instance ON credentials(instance_id) WHERE instance_id IS NOT NULL;
    """

    /// Tool usage that outlives pruning: per agent and tool, the latest allowed call, kept by the
    /// call writers (`ToolUsageBatch`, like `call_minutes`: one upsert per agent and tool per
    /// write, not a trigger per call), so `toolUsage(since:)` (the unused-scope finding) reads it
    /// instead of raw calls and pruning old calls changes no finding. Backfilled from the calls
    /// already stored.
    static let toolLastUsed = """
    CREATE TABLE tool_last_used(
        agent_id TEXT NOT NULL,
        server   TEXT NOT NULL,
        tool     TEXT NOT NULL,
        last_at  INTEGER NOT NULL,
        PRIMARY KEY (agent_id, server, tool)
    ) WITHOUT ROWID;
    INSERT INTO tool_last_used(agent_id, server, tool, last_at)
        SELECT agent_id, server, tool, max(at) FROM tool_calls WHERE decision = 'allow' GROUP BY agent_id, server, tool;
    """

    /// Outcomes recorded on a call after it was decided (`warden hook`'s PostToolUse): the
    /// runtime's key for each call, and a cursor over outcomes so a reader that already holds a
    /// call sees it updated (`callOutcomes(after:)`); a call's `seq` alone never moves.
    static let callOutcomes = """
    ALTER TABLE tool_calls ADD COLUMN outcome_seq INTEGER;
    CREATE UNIQUE INDEX tool_calls_outcome ON tool_calls(outcome_seq) WHERE outcome_seq IS NOT NULL;
    CREATE TABLE call_keys(
        session_id  TEXT NOT NULL,
        tool_use_id TEXT NOT NULL,
        call_seq    INTEGER NOT NULL,
        PRIMARY KEY (session_id, tool_use_id)
    ) WITHOUT ROWID;
    """

    /// What the operator claimed, beside the operator a record names. Mirrors PostgreSQL's
    /// column (there the operator is the login role); on SQLite it stays NULL, the operator
    /// being what was claimed.
    static let claimedBy = "ALTER TABLE audit ADD COLUMN claimed_by TEXT;"

    /// Tool pinning (issue 16), all governed state (hashed into the state digest, each change
    /// journaled): a server's own policy and when it was first seen listing tools; the store-wide
    /// settings; each tool's current definition hash; every definition seen, by its hash; the
    /// decisions on definitions (several approved per tool; a NULL hash is an approval "by name"
    /// that the first definition seen takes over). Keys are `server/tool` (a server name has no
    /// '/', a tool name neither) and `server/tool#hash` (`#*` for by name). The digest's triggers
    /// and the baseline come from `ensureStateDigest`; the upgrade's approvals of the tools in use
    /// are Swift's (`ToolRules.approveUsedTools`), run by `migrate` after this step.
    static let toolPins = """
    CREATE TABLE IF NOT EXISTS tool_servers(
        id            TEXT PRIMARY KEY,
        policy        TEXT CHECK (policy IN ('review','trust')),
        first_seen_at INTEGER,
        version       INTEGER NOT NULL DEFAULT 0,
        digest        BLOB
    );
    CREATE TABLE IF NOT EXISTS tool_settings(
        id      TEXT PRIMARY KEY CHECK (id IN ('default_policy','unknown_servers')),
        value   TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 0,
        digest  BLOB
    );
    CREATE TABLE IF NOT EXISTS tool_pins(
        id            TEXT PRIMARY KEY,
        server        TEXT NOT NULL,
        tool          TEXT NOT NULL,
        hash          TEXT NOT NULL,
        first_seen_at INTEGER NOT NULL,
        changed_at    INTEGER NOT NULL,
        gone_at       INTEGER,
        version       INTEGER NOT NULL DEFAULT 0,
        digest        BLOB
    );
    CREATE INDEX IF NOT EXISTS tool_pins_server ON tool_pins(server, tool);
    CREATE TABLE IF NOT EXISTS tool_definitions(
        id            TEXT PRIMARY KEY,
        definition    TEXT NOT NULL,
        first_seen_at INTEGER NOT NULL,
        version       INTEGER NOT NULL DEFAULT 0,
        digest        BLOB
    );
    CREATE TABLE IF NOT EXISTS tool_decisions(
        id         TEXT PRIMARY KEY,
        server     TEXT NOT NULL,
        tool       TEXT NOT NULL,
        hash       TEXT,
        verdict    TEXT NOT NULL CHECK (verdict IN ('approved','rejected')),
        decided_at INTEGER NOT NULL,
        decided_by TEXT NOT NULL,
        reason     TEXT,
        version    INTEGER NOT NULL DEFAULT 0,
        digest     BLOB
    );
    CREATE INDEX IF NOT EXISTS tool_decisions_tool ON tool_decisions(server, tool);
    """

    /// Gates (issue 15): identities of third-party gateways that ask for decisions (AuthZEN), and
    /// their credentials, kept apart from agents' so the authorization path of agents is
    /// untouched. Governed state: hashed into the digest (`ensureStateDigest` makes the
    /// triggers), every change journaled. A gate's ID is its name.
    static let gates = """
    CREATE TABLE IF NOT EXISTS gates(
        id            TEXT PRIMARY KEY,
        created_at    INTEGER NOT NULL,
        revoked_at    INTEGER,
        revoke_reason TEXT,
        version       INTEGER NOT NULL DEFAULT 0,
        digest        BLOB
    );
    CREATE TABLE IF NOT EXISTS gate_credentials(
        id          TEXT PRIMARY KEY,
        gate_id     TEXT NOT NULL REFERENCES gates(id),
        secret_hash BLOB NOT NULL UNIQUE,
        issued_at   INTEGER NOT NULL,
        expires_at  INTEGER,
        revoked_at  INTEGER,
        version     INTEGER NOT NULL DEFAULT 0,
        digest      BLOB
    );
    CREATE INDEX IF NOT EXISTS gate_credentials_gate ON gate_credentials(gate_id);
    """

    /// Where each call came from (`via`: the recording path that stored it, never the agent's
    /// word), the gateway's MCP session and the client's self-description; and the services
    /// running on the store (`warden serve`'s heartbeat rows). Calls stored before keep none.
    static let callOrigin = """
    ALTER TABLE tool_calls ADD COLUMN via TEXT CHECK (via IN ('proxy','gateway','ingest','hook','cli'));
    ALTER TABLE tool_calls ADD COLUMN mcp_session TEXT;
    ALTER TABLE tool_calls ADD COLUMN client TEXT;
    CREATE TABLE services(
        id             TEXT PRIMARY KEY,
        host           TEXT NOT NULL,
        listen         TEXT NOT NULL,
        pid            INTEGER NOT NULL,
        version        TEXT NOT NULL,
        started_at     INTEGER NOT NULL,
        last_heartbeat INTEGER NOT NULL,
        sessions       INTEGER NOT NULL,
        stopped_at     INTEGER
    ) WITHOUT ROWID;
    """

    /// The version that added `callOrigin`: an older file opened read-only reads calls without it.
    static let callOriginVersion = all.firstIndex(of: callOrigin)! + 1

    /// Calls and denials per tool and minute, kept by the call writers (`ToolUsageBatch`, like
    /// `call_minutes`), so `toolActivity(since:)` (the Tools view's last hour) sums a few thousand
    /// rows instead of scanning an hour of calls (a million at L). Keyed by minute first: the
    /// read and retention both take a range of minutes. Backfilled from the calls stored.
    static let toolMinutes = """
    CREATE TABLE tool_minutes(
        minute INTEGER NOT NULL,
        server TEXT NOT NULL,
        tool   TEXT NOT NULL,
        calls  INTEGER NOT NULL,
        denied INTEGER NOT NULL,
        PRIMARY KEY (minute, server, tool)
    ) WITHOUT ROWID;
    INSERT INTO tool_minutes(minute, server, tool, calls, denied)
        SELECT at / 60000, server, tool, count(*), sum(decision = 'deny') FROM tool_calls GROUP BY 1, 2, 3;
    """

    /// The version that added `toolMinutes`: an older file opened read-only tallies the calls.
    static let toolMinutesVersion = all.firstIndex(of: toolMinutes)! + 1
}
