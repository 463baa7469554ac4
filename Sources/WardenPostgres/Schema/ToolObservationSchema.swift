import WardenStore

/// Schema version 4: what a gate (`mcp-proxy`) or an ingester may record of the tool lists it
/// sees, through the owner's `SECURITY DEFINER` functions (search_path pinned, EXECUTE revoked
/// from PUBLIC, granted by `warden store roles`). Each writes one kind of row an observation
/// makes and refuses anything else: a server's first sight (never its policy), a definition
/// under its own SHA-256, a tool's current hash or gone mark (never a decision), the upgrade's
/// by-name approval turned into the definition listed now, and the `tools.observe` journal
/// record. The only approval a listing may bring, trust on first use, is decided inside
/// `warden_trust_tool` from stored state: the server first seen in this very transaction and
/// its stored policy (or the store's default) `trust`. The rules call them through
/// `RuleTransaction.record…` (`PostgresStore+ToolObservation`), whoever is logged in.
enum ToolObservationSchema {
    /// The functions and their argument types, as GRANT and REVOKE name them.
    static let functions = [
        "warden_observe_tool_server(text, bigint)",
        "warden_observe_tool_definition(text, text, bigint)",
        "warden_observe_tool_pin(text, text, text, bigint, bigint, bigint)",
        "warden_trust_tool(text, text, text, bigint, text, text)",
        "warden_pin_named_tool(text, text, text, bigint, text)",
    ]
    /// The journal's function (schema 2), replaced here to accept `tools.observe`.
    static let journalFunction = "warden_journal_observation(bigint, bigint, text, text, text, text, text, text, text, text, text)"

    static let migration = """
    -- A server seen listing tools: its first sight, once. Its policy is never touched.
    CREATE FUNCTION warden_observe_tool_server(s_id text, s_at bigint) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER AS $$
    BEGIN
        IF s_id IS NULL OR s_at IS NULL OR s_id ~ '[/*[:space:][:cntrl:]]' OR s_id = '' THEN
            RAISE EXCEPTION 'not a server name and time of first sight' USING ERRCODE = '42501';
        END IF;
        INSERT INTO tool_servers(id, policy, first_seen_at) VALUES (s_id, NULL, s_at)
        ON CONFLICT (id) DO UPDATE SET first_seen_at = excluded.first_seen_at WHERE tool_servers.first_seen_at IS NULL;
        RETURN FOUND;
    END $$;

    -- A definition as listed, filed under its own SHA-256 only.
    CREATE FUNCTION warden_observe_tool_definition(d_hash text, d_definition text, d_at bigint) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER AS $$
    BEGIN
        IF d_definition IS NULL OR d_at IS NULL OR d_hash IS DISTINCT FROM encode(sha256(convert_to(d_definition, 'UTF8')), 'hex') THEN
            RAISE EXCEPTION 'a tool definition is stored under its own SHA-256' USING ERRCODE = '42501';
        END IF;
        INSERT INTO tool_definitions(id, definition, first_seen_at) VALUES (d_hash, d_definition, d_at) ON CONFLICT (id) DO NOTHING;
    END $$;

    -- A tool of a known server as listed now (its current hash, a stored definition) or gone.
    -- Decisions are not here: a listing never approves or rejects.
    CREATE FUNCTION warden_observe_tool_pin(p_server text, p_tool text, p_hash text, p_first_seen_at bigint,
                                            p_changed_at bigint, p_gone_at bigint) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER AS $$
    BEGIN
        IF p_tool IS NULL OR p_tool !~ '^[A-Za-z0-9_.-]{1,128}$' OR p_first_seen_at IS NULL OR p_changed_at IS NULL THEN
            RAISE EXCEPTION 'not a listed tool' USING ERRCODE = '42501';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM tool_servers WHERE id = p_server AND first_seen_at IS NOT NULL) THEN
            RAISE EXCEPTION 'server % has not been seen listing tools', p_server USING ERRCODE = '42501';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM tool_definitions WHERE id = p_hash) THEN
            RAISE EXCEPTION 'no definition is stored under %', p_hash USING ERRCODE = '42501';
        END IF;
        INSERT INTO tool_pins(id, server, tool, hash, first_seen_at, changed_at, gone_at)
        VALUES (p_server || '/' || p_tool, p_server, p_tool, p_hash, p_first_seen_at, p_changed_at, p_gone_at)
        ON CONFLICT (id) DO UPDATE SET hash = excluded.hash, changed_at = excluded.changed_at, gone_at = excluded.gone_at;
    END $$;

    -- Trust on first use, decided here from stored state: the policy approves a tool listed in
    -- this transaction, with the hash listed, at the first sight of its server (recorded in this
    -- transaction too), when that server's policy, or the store's default, is trust.
    CREATE FUNCTION warden_trust_tool(t_server text, t_tool text, t_hash text, t_at bigint, t_by text, t_reason text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER AS $$
    DECLARE
        policy text;
    BEGIN
        SELECT coalesce(s.policy, (SELECT value FROM tool_settings WHERE id = 'default_policy'), 'review') INTO policy
        FROM tool_servers s WHERE s.id = t_server AND s.first_seen_at IS NOT NULL AND s.xmin = xid(pg_current_xact_id());
        IF policy IS DISTINCT FROM 'trust' THEN
            RAISE EXCEPTION 'only a server seen for the first time now under policy trust has its tools approved at sight'
                USING ERRCODE = '42501';
        END IF;
        IF t_by IS DISTINCT FROM '\(ToolRules.policyOperator)' OR t_at IS NULL OR NOT EXISTS (
            SELECT 1 FROM tool_pins WHERE id = t_server || '/' || t_tool AND hash = t_hash AND gone_at IS NULL
                AND xmin = xid(pg_current_xact_id())) THEN
            RAISE EXCEPTION 'the policy approves only a tool listed now, by %', '\(ToolRules.policyOperator)' USING ERRCODE = '42501';
        END IF;
        INSERT INTO tool_decisions(id, server, tool, hash, verdict, decided_at, decided_by, reason)
        VALUES (t_server || '/' || t_tool || '#' || t_hash, t_server, t_tool, t_hash, 'approved', t_at, t_by, t_reason)
        ON CONFLICT (id) DO NOTHING;
    END $$;

    -- The upgrade approved the tools in use by name (no definition to hash then): at the tool's
    -- listing that approval leaves, and unless another definition is approved already, the one
    -- listed now is approved in its name (the operator who upgraded).
    CREATE FUNCTION warden_pin_named_tool(n_server text, n_tool text, n_hash text, n_at bigint, n_reason text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER AS $$
    DECLARE
        named_by text;
    BEGIN
        SELECT decided_by INTO named_by FROM tool_decisions
        WHERE id = n_server || '/' || n_tool || '#*' AND hash IS NULL AND verdict = 'approved';
        IF NOT FOUND OR NOT EXISTS (SELECT 1 FROM tool_pins WHERE id = n_server || '/' || n_tool AND gone_at IS NULL) THEN
            RAISE EXCEPTION 'no approval by name of a listed tool %/%', n_server, n_tool USING ERRCODE = '42501';
        END IF;
        DELETE FROM tool_decisions WHERE id = n_server || '/' || n_tool || '#*';
        IF n_hash IS NULL THEN RETURN; END IF;
        IF n_at IS NULL
           OR NOT EXISTS (SELECT 1 FROM tool_pins WHERE id = n_server || '/' || n_tool AND hash = n_hash)
           OR EXISTS (SELECT 1 FROM tool_decisions WHERE server = n_server AND tool = n_tool AND verdict = 'approved') THEN
            RAISE EXCEPTION 'an approval by name pins only the definition listed now, and only once' USING ERRCODE = '42501';
        END IF;
        INSERT INTO tool_decisions(id, server, tool, hash, verdict, decided_at, decided_by, reason)
        VALUES (n_server || '/' || n_tool || '#' || n_hash, n_server, n_tool, n_hash, 'approved', n_at, named_by, n_reason);
    END $$;

    -- The journal's appends by roles other than the operator, as schema 2 made it, and one more
    -- kind: `tools.observe`, for a server whose pins this very transaction recorded.
    CREATE OR REPLACE FUNCTION warden_journal_observation(r_seq bigint, r_at bigint, r_action text, r_target text, r_before text,
                                               r_after text, r_reason text, r_prev_hash text, r_hash text,
                                               r_state_digest text, r_claimed_by text)
    RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS $$
    DECLARE
        head_seq bigint;
        head_hash text;
        last_digest text;
        encoded bytea;
    BEGIN
        SELECT seq, hash INTO head_seq, head_hash FROM audit ORDER BY seq DESC LIMIT 1;
        IF r_seq IS DISTINCT FROM coalesce(head_seq, 0) + 1
           OR r_prev_hash IS DISTINCT FROM coalesce(head_hash, repeat('0', 64)) THEN
            RAISE EXCEPTION 'journal record % does not follow the head (%)', r_seq, coalesce(head_seq, 0) USING ERRCODE = '42501';
        END IF;
        IF r_action = 'agent.observe' THEN
            IF NOT EXISTS (SELECT 1 FROM agents WHERE id = r_target AND NOT registered AND xmin = xid(pg_current_xact_id()))
               OR EXISTS (SELECT 1 FROM audit WHERE target = r_target AND action = 'agent.observe') THEN
                RAISE EXCEPTION 'only an agent observed in this transaction is journaled as observed (%)', r_target
                    USING ERRCODE = '42501';
            END IF;
        ELSIF r_action = 'state.drift_detected' THEN
            SELECT state_digest INTO last_digest FROM audit WHERE state_digest IS NOT NULL ORDER BY seq DESC LIMIT 1;
            IF r_state_digest IS NULL OR last_digest IS NULL OR r_state_digest = last_digest THEN
                RAISE EXCEPTION 'a drift record carries a digest other than the last journaled' USING ERRCODE = '42501';
            END IF;
        ELSIF r_action = 'tools.observe' THEN
            IF NOT EXISTS (SELECT 1 FROM tool_servers WHERE id = r_target AND xmin = xid(pg_current_xact_id()))
               AND NOT EXISTS (SELECT 1 FROM tool_pins WHERE server = r_target AND xmin = xid(pg_current_xact_id()))
               AND NOT EXISTS (SELECT 1 FROM tool_decisions WHERE server = r_target AND xmin = xid(pg_current_xact_id())) THEN
                RAISE EXCEPTION 'only a listing recorded in this transaction is journaled as observed (%)', r_target
                    USING ERRCODE = '42501';
            END IF;
        ELSE
            RAISE EXCEPTION 'this role journals only observed agents, observed tool lists and drift, not %', r_action
                USING ERRCODE = '42501';
        END IF;
        encoded := convert_to(r_prev_hash, 'UTF8') || warden_journal_field(r_seq::text) || warden_journal_field(r_at::text)
            || warden_journal_field(session_user::text) || warden_journal_field(r_action) || warden_journal_field(r_target)
            || warden_journal_field(r_before) || warden_journal_field(r_after) || warden_journal_field(r_reason);
        IF r_state_digest IS NOT NULL OR r_claimed_by IS NOT NULL THEN encoded := encoded || warden_journal_field(r_state_digest); END IF;
        IF r_claimed_by IS NOT NULL THEN encoded := encoded || warden_journal_field(r_claimed_by); END IF;
        IF r_hash IS DISTINCT FROM encode(sha256(encoded), 'hex') THEN
            RAISE EXCEPTION 'journal record % does not carry its chain hash', r_seq USING ERRCODE = '42501';
        END IF;
        INSERT INTO audit(seq, at, operator, action, target, before, after, reason, prev_hash, hash, state_digest, claimed_by)
        VALUES (r_seq, r_at, session_user, r_action, r_target, r_before, r_after, r_reason, r_prev_hash, r_hash,
                r_state_digest, r_claimed_by);
    END $$;

    REVOKE EXECUTE ON FUNCTION \(functions.joined(separator: ", ")) FROM PUBLIC;

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
}
