/// Schema version 13: `warden_observe_agent` (what an ingester's login may EXECUTE) refuses an ID
/// that is not an agent's SPIFFE ID, as the telemetry rules (`FleetRules.createUnregistered`)
/// do. Before, straight SQL as an ingester could observe an "agent" whose ID was a principal's or
/// a credential's, and `warden revoke`/`principal disable` then refused that full ID as
/// ambiguous: the kill switch blocked. Also its name must be the ID's NAME segment, as the rules
/// give it. Replacing the function drops SECURITY DEFINER and the pinned search_path, so both are
/// set again (`LeastPrivilege.rehardened`).
enum ObservedAgentIDs {
    static let replaced = ["warden_observe_agent(text, text, text, text, bigint)"]

    /// `Identity.isObservedAgentID`, as a regular expression (with the 512-byte bound beside it):
    /// `spiffe://DOMAIN/agent/NAME/REST`, no space, ASCII or C1 control character anywhere.
    static let idPattern = #"^spiffe://[^/\x01-\x20\x7f-\x9f]+/agent/[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}/[^\x01-\x20\x7f-\x9f]+$"#

    static let migration = """
    CREATE OR REPLACE FUNCTION warden_observe_agent(a_id text, a_name text, a_principal text, a_parent text, a_created_at bigint)
    RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER AS $$
    DECLARE
        parent_principal text;
        parent_depth integer := 0;
    BEGIN
        IF a_id IS NULL OR octet_length(a_id) > 512 OR a_id !~ '\(idPattern)' THEN
            RAISE EXCEPTION 'an observed agent''s ID is an agent SPIFFE ID (spiffe://DOMAIN/agent/NAME/ID), not %', a_id
                USING ERRCODE = '42501';
        END IF;
        IF a_name IS DISTINCT FROM split_part(a_id, '/', 5) THEN
            RAISE EXCEPTION 'an observed agent''s name is its ID''s NAME segment' USING ERRCODE = '42501';
        END IF;
        IF a_parent IS NULL THEN
            IF a_principal IS DISTINCT FROM '\(LeastPrivilege.unregistered)' THEN
                RAISE EXCEPTION 'an observed agent without a delegator belongs to %, not %', '\(LeastPrivilege.unregistered)', a_principal
                    USING ERRCODE = '42501';
            END IF;
        ELSE
            SELECT principal_id, depth INTO parent_principal, parent_depth FROM agents WHERE id = a_parent;
            IF NOT FOUND OR parent_principal IS DISTINCT FROM a_principal THEN
                RAISE EXCEPTION 'an observed agent belongs to its delegator''s principal' USING ERRCODE = '42501';
            END IF;
        END IF;
        INSERT INTO agents(id, name, principal_id, parent_id, depth, scopes, created_at, expires_at, revoked_at,
                           revoke_reason, registered, revoked_by)
        VALUES (a_id, a_name, a_principal, a_parent, parent_depth + 1, '\(LeastPrivilege.noScopes)', a_created_at, NULL, NULL, NULL, false, NULL)
        ON CONFLICT (id) DO NOTHING;
        RETURN FOUND;
    END $$;
    """ + LeastPrivilege.rehardened(replaced)
}
