/// Schema version 10: the governance version (`GovernanceVersion`), a counter on the one row of
/// `governed_state`. Every statement on a governed table already updates that row (the digest's
/// statement triggers, run as the owner), and a BEFORE trigger owned by the owner makes every
/// update of the row add one, whatever the statement says: no role can freeze the counter or
/// set it back to make a stale decision stick (an operator may update the digest, and a gate
/// none of it; neither can drop or disable an owner's trigger). Not a definer: it writes only
/// the row being updated and names nothing.
enum GovernanceVersionSchema {
    static let migration = """
    ALTER TABLE governed_state ADD COLUMN version bigint NOT NULL DEFAULT 0;
    CREATE FUNCTION warden_governance_bump() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.version := OLD.version + 1;
        RETURN NEW;
    END $$;
    CREATE TRIGGER governed_state_version BEFORE UPDATE ON governed_state
        FOR EACH ROW EXECUTE FUNCTION warden_governance_bump();
    """
}
