/// Schema version 13 (with `ObservedAgentIDs`): a journal record inserted by any login follows
/// the head, number and hash, as `warden_journal_observation` already made gate and ingest
/// records do. Before, an operator's straight `INSERT INTO audit` could number a record
/// 2^63-1, after which no record could follow: every Warden write (revoke included) failed.
/// Checked in the trigger that already makes a record name its login (`store copy` writes the
/// journal with triggers off, as the owner).
enum JournalAppend {
    static let migration = """
    CREATE OR REPLACE FUNCTION warden_audit_operator() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        head_seq bigint;
        head_hash text;
    BEGIN
        IF NEW.operator IS DISTINCT FROM session_user::text THEN
            RAISE EXCEPTION 'a journal record must name the login that writes it (%), not %', session_user, NEW.operator
                USING ERRCODE = '42501';
        END IF;
        SELECT seq, hash INTO head_seq, head_hash FROM audit ORDER BY seq DESC LIMIT 1;
        IF NEW.seq IS DISTINCT FROM coalesce(head_seq, 0) + 1 OR NEW.prev_hash IS DISTINCT FROM coalesce(head_hash, repeat('0', 64)) THEN
            RAISE EXCEPTION 'journal record % does not follow the head (%)', NEW.seq, coalesce(head_seq, 0) USING ERRCODE = '42501';
        END IF;
        RETURN NEW;
    END $$;
    """
}
