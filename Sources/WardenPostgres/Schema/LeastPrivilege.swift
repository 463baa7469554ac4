import WardenStore

/// Schema version 2: what lets a store be shared by roles that may do less than its owner
/// (`warden store roles` prints the grants). Every write narrower than a table goes through a
/// `SECURITY DEFINER` function owned by the store's owner, its `search_path` pinned to the
/// store's schema: the cursor takes, the triggers that keep row versions and the state digest,
/// and an ingester's unregistered agents with their journal records. The journal names the
/// login that wrote each record; what the operator claimed (`--operator`) goes beside it.
enum LeastPrivilege {
    static let unregistered = RuleDefaults.unregisteredPrincipalID
    static let noScopes = "(none)"

    static let migration = """
    ALTER TABLE audit ADD COLUMN claimed_by text;
    CREATE INDEX audit_target ON audit(target);

    -- A journal record names the login that wrote it, whoever claims otherwise.
    CREATE FUNCTION warden_audit_operator() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.operator IS DISTINCT FROM session_user::text THEN
            RAISE EXCEPTION 'a journal record must name the login that writes it (%), not %', session_user, NEW.operator
                USING ERRCODE = '42501';
        END IF;
        RETURN NEW;
    END $$;
    CREATE TRIGGER audit_operator BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION warden_audit_operator();

    -- Every cursor take, for every role: only the owner updates `cursors` itself, so no role can
    -- move a cursor back (a feed whose cursor went back would skip changes).
    CREATE FUNCTION warden_take_cursor(cursor_name text, n bigint) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER AS $$
    DECLARE
        taken bigint;
    BEGIN
        IF n IS NULL OR n < 1 OR n > 1000000000 THEN
            RAISE EXCEPTION 'a cursor moves forward by 1 to 1000000000, not %', n;
        END IF;
        UPDATE cursors SET value = value + n WHERE name = cursor_name RETURNING value INTO taken;
        RETURN taken;
    END $$;

    -- The triggers that stamp row versions and keep the state's digest write `cursors` and
    -- `governed_state`, which only the owner may: they run as the owner, whoever fired them.
    ALTER FUNCTION warden_stamp_version() SECURITY DEFINER;
    \(GovernedState.v1Tables.map { t in
        ["insert", "update", "delete"].map { "ALTER FUNCTION \(t.table)_sum_\($0)() SECURITY DEFINER;" }.joined(separator: "\n")
    }.joined(separator: "\n"))

    -- An ingester records the principal that holds identities seen in telemetry, and nothing else.
    CREATE FUNCTION warden_observe_principal(p_id text, p_name text, p_created_at bigint) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER AS $$
    BEGIN
        IF p_id IS DISTINCT FROM '\(unregistered)' THEN
            RAISE EXCEPTION 'only the principal % holds observed identities, not %', '\(unregistered)', p_id USING ERRCODE = '42501';
        END IF;
        INSERT INTO principals(id, kind, name, scopes, status, created_at, disabled_at)
        VALUES (p_id, 'workload', p_name, '\(noScopes)', 'active', p_created_at, NULL) ON CONFLICT (id) DO NOTHING;
        RETURN FOUND;
    END $$;

    -- An ingester records an identity it observed: unregistered, without scopes, expiry or
    -- revocation, under its delegator's principal (or the unregistered one) one level below it.
    CREATE FUNCTION warden_observe_agent(a_id text, a_name text, a_principal text, a_parent text, a_created_at bigint)
    RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER AS $$
    DECLARE
        parent_principal text;
        parent_depth integer := 0;
    BEGIN
        IF a_parent IS NULL THEN
            IF a_principal IS DISTINCT FROM '\(unregistered)' THEN
                RAISE EXCEPTION 'an observed agent without a delegator belongs to %, not %', '\(unregistered)', a_principal
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
        VALUES (a_id, a_name, a_principal, a_parent, parent_depth + 1, '\(noScopes)', a_created_at, NULL, NULL, NULL, false, NULL)
        ON CONFLICT (id) DO NOTHING;
        RETURN FOUND;
    END $$;

    -- `AuditRecord.canonicalEncoding`'s field: the value's UTF-8 length, a colon, the value;
    -- '-1:' for none.
    CREATE FUNCTION warden_journal_field(v text) RETURNS bytea IMMUTABLE LANGUAGE sql AS $$
        SELECT CASE WHEN v IS NULL THEN convert_to('-1:', 'UTF8')
                    ELSE convert_to(octet_length(convert_to(v, 'UTF8'))::text || ':', 'UTF8') || convert_to(v, 'UTF8') END $$;

    -- The journal records an ingester may append: an agent it observed in this very
    -- transaction (once), or a drift it found (a digest other than the last journaled). Each
    -- must follow the head and carry the hash the chain rule gives it, so no role but the
    -- owner can fork or break the chain.
    CREATE FUNCTION warden_journal_observation(r_seq bigint, r_at bigint, r_action text, r_target text, r_before text,
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
        ELSE
            RAISE EXCEPTION 'this role journals only observed agents and drift, not %', r_action USING ERRCODE = '42501';
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

    -- Functions are callable by everyone unless told otherwise: these only by the roles granted.
    REVOKE EXECUTE ON FUNCTION warden_take_cursor(text, bigint), warden_observe_principal(text, text, bigint),
        warden_observe_agent(text, text, text, text, bigint),
        warden_journal_observation(bigint, bigint, text, text, text, text, text, text, text, text, text) FROM PUBLIC;

    \(hardenDefiners)
    """

    /// The standard hardening of definer functions: names resolve in the store's schema only.
    static let hardenDefiners = """
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

    /// What a later migration appends after `CREATE OR REPLACE` of trigger functions this one
    /// made definers: a replaced function is back to running as whoever fired it, with no pinned
    /// `search_path`, so each is made a definer again and hardened again.
    static func rehardened(_ functions: [String]) -> String {
        "\n" + functions.map { "ALTER FUNCTION \($0) SECURITY DEFINER;" }.joined(separator: "\n") + "\n" + hardenDefiners
    }
}
