/// Schema version 13 (with `ObservedAgentIDs`, `JournalAppend`, `JournalObservation`): what a
/// gate's or an ingester's login may change in activity it already recorded, checked per row
/// (an operator's login, and the tables' owner, are not bound: they may correct anything):
/// - a call: only its outcome (result, duration, outcome number), and only while it has none;
///   before, straight SQL could rewrite the result of any agent's call ever recorded;
/// - per-minute counts (`call_minutes`, `tool_minutes`) only grow: they could be zeroed,
///   hiding denials from the header and the sparklines;
/// - an instance stays its agent's, started when it started, and its heartbeat never goes back.
/// What a gate records is still its word (it may report another agent's instance stopped, or a
/// tool used): a gate login is an agent's host, and the README's roles table says so.
enum ActivityBounds {
    static let migration = """
    CREATE OR REPLACE FUNCTION warden_bound_activity_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF pg_catalog.pg_has_role(session_user, (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = TG_RELID), 'MEMBER')
           OR pg_catalog.to_regrole('\(PostgresRoles.operatorRole)') IS NULL
           OR pg_catalog.pg_has_role(session_user, '\(PostgresRoles.operatorRole)', 'MEMBER') THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = '42501';
    END $$;
    -- Each trigger fires only for an update Warden's own writers never make (its WHEN, checked
    -- without a call), so recording pays nothing; the function then lets the owner and
    -- operators through and refuses anyone else.
    CREATE OR REPLACE TRIGGER tool_calls_bound_update BEFORE UPDATE ON tool_calls FOR EACH ROW
        WHEN (OLD.outcome_seq IS NOT NULL OR NEW.outcome_seq IS NULL
              OR (NEW.seq, NEW.at, NEW.agent_id, NEW.instance_id, NEW.credential_id, NEW.server, NEW.tool, NEW.decision,
                  NEW.reason, NEW.args, NEW.via, NEW.mcp_session, NEW.client)
                 IS DISTINCT FROM (OLD.seq, OLD.at, OLD.agent_id, OLD.instance_id, OLD.credential_id, OLD.server, OLD.tool,
                  OLD.decision, OLD.reason, OLD.args, OLD.via, OLD.mcp_session, OLD.client))
        EXECUTE FUNCTION warden_bound_activity_update('a recorded call changes only by taking its outcome, once');
    CREATE OR REPLACE TRIGGER call_minutes_bound_update BEFORE UPDATE ON call_minutes FOR EACH ROW
        WHEN (NEW.calls < OLD.calls OR NEW.denied < OLD.denied)
        EXECUTE FUNCTION warden_bound_activity_update('per-minute counts only grow');
    CREATE OR REPLACE TRIGGER tool_minutes_bound_update BEFORE UPDATE ON tool_minutes FOR EACH ROW
        WHEN (NEW.calls < OLD.calls OR NEW.denied < OLD.denied)
        EXECUTE FUNCTION warden_bound_activity_update('per-minute counts only grow');
    CREATE OR REPLACE TRIGGER instances_bound_update BEFORE UPDATE ON instances FOR EACH ROW
        WHEN (NEW.agent_id IS DISTINCT FROM OLD.agent_id OR NEW.started_at IS DISTINCT FROM OLD.started_at
              OR NEW.last_heartbeat < OLD.last_heartbeat)
        EXECUTE FUNCTION warden_bound_activity_update('an instance stays its agent''s, and its heartbeat never goes back');
    """
}
