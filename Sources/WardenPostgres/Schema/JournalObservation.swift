/// Schema version 13 (with `ObservedAgentIDs` and `JournalAppend`): the drift record a gate or
/// an ingester may append (`state.drift_detected`, when its write found the governed state
/// changed outside Warden) is exactly the one `AuditJournal.append` writes: target `store`, the
/// last journaled digest before, the found digest after, no reason. Before, a gate's straight SQL
/// could journal any target, before/after and reason text under that action. (The found digest
/// itself is still the caller's word: a forged one raises a false alarm, never hides a drift.)
/// Replacing the function drops SECURITY DEFINER and the pinned search_path: set again.
enum JournalObservation {
    static let replaced = [ToolObservationSchema.journalFunction]

    static let migration = """
    CREATE OR REPLACE FUNCTION warden_journal_observation(r_seq bigint, r_at bigint, r_action text, r_target text, r_before text,
                                               r_after text, r_reason text, r_prev_hash text, r_hash text,
                                               r_state_digest text, r_claimed_by text)
    RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS $$
    DECLARE
        head_seq bigint;
        head_hash text;
        last_digest text;
        last_seq bigint;
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
            SELECT seq, state_digest INTO last_seq, last_digest FROM audit WHERE state_digest IS NOT NULL ORDER BY seq DESC LIMIT 1;
            IF r_state_digest IS NULL OR last_digest IS NULL OR r_state_digest = last_digest THEN
                RAISE EXCEPTION 'a drift record carries a digest other than the last journaled' USING ERRCODE = '42501';
            END IF;
            -- Only the record the rules write (`AuditJournal.append`): no text of the caller's.
            IF r_state_digest !~ '^[0-9a-f]{64}$' OR r_target IS DISTINCT FROM 'store' OR r_reason IS NOT NULL
               OR r_before IS DISTINCT FROM '{"journal_digest":"' || last_digest || '"}'
               OR r_after IS DISTINCT FROM '{"detail":"the governed state changed without a journal record after record '
                                          || last_seq || '","found_digest":"' || r_state_digest || '"}' THEN
                RAISE EXCEPTION 'a drift record is the one Warden writes: target store, the digests, no other text' USING ERRCODE = '42501';
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
    """ + LeastPrivilege.rehardened(replaced)
}
