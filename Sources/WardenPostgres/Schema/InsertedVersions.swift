/// A schema migration: an insert that brings its own row version keeps it, as an update that
/// sets one already does. A bulk writer takes one version from the cursor and stamps every row
/// it inserts with it; stamping each row instead updates the `cursors` row once per row in one
/// transaction, which grows quadratically (40,000 rows: 23.6 s stamped per row, 0.8 s without).
/// Inserts that name no version get the default 0 and are stamped as before.
///
/// Self-contained: it only replaces `warden_stamp_version`, so it can be renumbered among
/// other migrations.
enum InsertedVersions {
    /// The function it replaces (a definer since schema 2: re-hardened after it).
    static let replaced = ["warden_stamp_version()"]

    static let migration = """
    CREATE OR REPLACE FUNCTION warden_stamp_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.version IS DISTINCT FROM OLD.version THEN
            RETURN NEW;
        END IF;
        -- Only the store's owner (a bulk load) may bring its own: a gate or an ingester that
        -- could stamp a row with any version could hide it from every reader's cursor.
        IF TG_OP = 'INSERT' AND NEW.version <> 0
           AND pg_catalog.pg_has_role(session_user, (SELECT relowner FROM pg_catalog.pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
            RETURN NEW;
        END IF;
        UPDATE cursors SET value = value + 1 WHERE name = 'row_version' RETURNING value INTO NEW.version;
        RETURN NEW;
    END $$;
    """
}
