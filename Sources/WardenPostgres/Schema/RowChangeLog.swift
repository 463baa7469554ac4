/// The change feed's log (PostgreSQL schema 11): which rows of the feed's tables each row version wrote,
/// `(kind, version, ids)`, appended by statement triggers over each INSERT's and UPDATE's new
/// rows, in the writing transaction, with the version the rows were stamped with (the stamping
/// is unchanged and commit-ordered, see `cursors`). One log row per version a statement wrote:
/// a cascade's 20,000 credentials are one row of 20,000 ids (16 ms to append, against 44-52 ms
/// for a row each with its index entry, measured). The feed reads the rows whose versions fall
/// in its range through this log instead of an index on each table's `version`.
///
/// Why: with `version` indexed, every write of a governed row changes an indexed column, so no
/// update can be HOT and each revoked row took an entry in every index of its table (a
/// 10,000-agent cascade with 20,000 credentials: ~250,000 WAL records). Without those indexes,
/// and with free space left on each page (`fillfactor`), a cascade's updates (status, stamp,
/// cause, version, digest: none indexed) stay on their pages and touch no index; the log takes
/// one narrow row per written row instead.
///
/// A row's current version is at least the one it was last logged with, so "a log entry in
/// (after, now]" selects exactly the rows whose version is in (after, now]: the feed returns
/// what it returned before, once each. Rows deleted (retention) leave entries the feed no
/// longer finds, as before. The migration logs every existing row at its current version, so a
/// reader's cursor from before the migration continues without a gap or a repeat.
///
/// The trigger function is a definer (a gate or an ingester writes instances and observed
/// agents but may not write the log itself), hardened like the others.
///
/// A cascade stamps its rows itself, so the stamping trigger has nothing to do on its updates
/// but was still called per row (20,000 plpgsql calls); on agents and credentials it is now
/// split, the update's half called only when the writer left `version` as it was.
enum RowChangeLog {
    /// The feed's tables and the kind each logs as.
    static let kinds: [(table: String, kind: String)] = [("principals", "p"), ("agents", "a"), ("credentials", "c"), ("instances", "i")]

    /// How full inserts leave a table's pages, so that updates find room on their page (HOT).
    /// A cascade updates every row of a subtree at once, and space is not reclaimed within the
    /// transaction, so a page of agents or credentials that are all revoked needs room for a
    /// second copy of each. Principals and instances change a row at a time (a heartbeat):
    /// a little room is enough, pruning the page frees the old copies. A revoked credential
    /// grows by its stamp and cause: at 50, 18,948 of 20,000 stayed on their page; at 45 all.
    static func fillfactor(_ table: String) -> Int {
        switch table {
        case "agents": return 50
        case "credentials": return 45
        default: return 90
        }
    }

    /// The tables whose stamping trigger is split in two (the cascade's and narrowing's).
    static let splitStamping = ["agents", "credentials"]

    /// The names of the triggers this schema adds to `table`.
    static func triggerNames(_ table: String) -> [String] {
        ["\(table)_log_insert", "\(table)_log_update"] + (splitStamping.contains(table) ? ["\(table)_version_update"] : [])
    }

    static var migration: String {
        """
        CREATE TABLE row_changes(
            kind    "char" NOT NULL,
            version bigint NOT NULL,
            ids     text[] NOT NULL
        );
        CREATE INDEX row_changes_kind_version ON row_changes(kind, version);

        -- Appends the statement's new rows (TG_ARGV[0] names their kind), as the owner.
        CREATE FUNCTION warden_log_changes() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
        BEGIN
            INSERT INTO row_changes(kind, version, ids)
                SELECT TG_ARGV[0]::"char", n.version, array_agg(n.id) FROM new_rows n GROUP BY n.version;
            RETURN NULL;
        END $$;

        -- Retention's upkeep of the log (`prune`): drops the log rows of one kind, among the next
        -- `n` after version `after`, none of whose rows still has that version (each was written
        -- again, and logged again later, or is gone): the feed finds a row by its latest entry.
        -- Returns the last version looked at (NULL when there was none) and how many rows went.
        CREATE FUNCTION warden_compact_changes(k "char", after bigint, n integer, OUT last bigint, OUT removed bigint)
        LANGUAGE plpgsql SECURITY DEFINER AS $$
        DECLARE
            tbl text := CASE k \(kinds.map { "WHEN '\($0.kind)' THEN '\($0.table)'" }.joined(separator: " ")) END;
        BEGIN
            IF tbl IS NULL OR n IS NULL OR n < 1 THEN
                RAISE EXCEPTION 'no change log kind % or page size %', k, n;
            END IF;
            SELECT max(version) INTO last FROM (SELECT version FROM row_changes WHERE kind = k AND version > after ORDER BY version LIMIT n) s;
            removed := 0;
            IF last IS NOT NULL THEN
                EXECUTE format('DELETE FROM row_changes l WHERE l.kind = $1 AND l.version > $2 AND l.version <= $3
                    AND NOT EXISTS (SELECT 1 FROM unnest(l.ids) AS u(id) JOIN %I t ON t.id = u.id WHERE t.version = l.version)', tbl)
                    USING k, after, last;
                GET DIAGNOSTICS removed = ROW_COUNT;
            END IF;
        END $$;
        REVOKE EXECUTE ON FUNCTION warden_compact_changes("char", bigint, integer) FROM PUBLIC;

        \(kinds.map { t, kind in
            """
            INSERT INTO row_changes(kind, version, ids) SELECT '\(kind)', version, array_agg(id) FROM \(t) GROUP BY version;
            DROP INDEX \(t)_version;
            ALTER TABLE \(t) SET (fillfactor = \(fillfactor(t)));
            CREATE TRIGGER \(t)_log_insert AFTER INSERT ON \(t) REFERENCING NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION warden_log_changes('\(kind)');
            CREATE TRIGGER \(t)_log_update AFTER UPDATE ON \(t) REFERENCING NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION warden_log_changes('\(kind)');
            """
        }.joined(separator: "\n"))

        \(splitStamping.map { t in
            """
            DROP TRIGGER \(t)_version ON \(t);
            CREATE TRIGGER \(t)_version BEFORE INSERT ON \(t) FOR EACH ROW EXECUTE FUNCTION warden_stamp_version();
            CREATE TRIGGER \(t)_version_update BEFORE UPDATE ON \(t) FOR EACH ROW
                WHEN (NEW.version IS NOT DISTINCT FROM OLD.version) EXECUTE FUNCTION warden_stamp_version();
            """
        }.joined(separator: "\n"))

        \(LeastPrivilege.hardenDefiners)
        """
    }
}
