/// Schema version 7: a call's number and an outcome's number come from their cursors. A gate or
/// an ingester inserts `tool_calls` and sets `outcome_seq` itself (after `warden_take_cursor`),
/// so without a bound one row numbered far beyond the cursor would carry every reader's cursor
/// past the calls written after it, hiding them from every dashboard. Checked once per
/// statement over its new rows; the owner (a bulk copy, which moves the cursors after) is exempt.
/// A definer with its search_path pinned: as the invoker, a temporary `cursors` table would
/// shadow the real one.
enum CallSeqBounds {
    static let migration = """
    CREATE FUNCTION warden_bound_call_seqs() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
    BEGIN
        IF pg_catalog.pg_has_role(session_user, (SELECT relowner FROM pg_catalog.pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
            RETURN NULL;
        END IF;
        IF (SELECT max(seq) FROM new_rows) > (SELECT value FROM cursors WHERE name = 'tool_call') THEN
            RAISE EXCEPTION 'a call is numbered from the tool_call cursor (warden_take_cursor), not beyond it'
                USING ERRCODE = '42501';
        END IF;
        IF (SELECT max(outcome_seq) FROM new_rows) > (SELECT value FROM cursors WHERE name = 'call_outcome') THEN
            RAISE EXCEPTION 'an outcome is numbered from the call_outcome cursor (warden_take_cursor), not beyond it'
                USING ERRCODE = '42501';
        END IF;
        RETURN NULL;
    END $$;
    CREATE TRIGGER tool_calls_seq_insert AFTER INSERT ON tool_calls REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION warden_bound_call_seqs();
    CREATE TRIGGER tool_calls_seq_update AFTER UPDATE ON tool_calls REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION warden_bound_call_seqs();
    """ + LeastPrivilege.hardenDefiners
}
