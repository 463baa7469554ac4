/// The governed state's digest on PostgreSQL, the same digest SQLite keeps: a SHA-256 per
/// governed row over the same canonical encoding (each value typed and length-prefixed, after
/// its table's and column's names), and their sum mod 2^256. A BEFORE trigger stores each row's
/// hash; statement-level triggers over transition tables add what a statement changed to
/// `governed_state` once per statement, so a 10,000-row cascade updates it once, not 10,000 times.
enum GovernedState {
    /// How a column's value is encoded: text, integer (a boolean as 0/1, as SQLite stores it), bytes.
    enum Kind { case text, integer, boolean, bytes }

    /// The hashed columns of each governed table, in SQLite's schema order (its `version` and
    /// `digest` are not hashed, nor is PostgreSQL's `ord`).
    static let tables = v1Tables + pinTables + gateTables

    /// The governed tables of the first schema.
    static let v1Tables: [(table: String, noun: String, columns: [(String, Kind)])] = [
        ("principals", "principal", [("id", .text), ("kind", .text), ("name", .text), ("scopes", .text), ("status", .text),
                                     ("created_at", .integer), ("disabled_at", .integer)]),
        ("agents", "agent", [("id", .text), ("name", .text), ("principal_id", .text), ("parent_id", .text), ("depth", .integer),
                             ("scopes", .text), ("created_at", .integer), ("expires_at", .integer), ("revoked_at", .integer),
                             ("revoke_reason", .text), ("registered", .boolean), ("revoked_by", .text)]),
        ("credentials", "credential", [("id", .text), ("agent_id", .text), ("instance_id", .text), ("secret_hash", .bytes),
                                       ("scopes", .text), ("issued_at", .integer), ("expires_at", .integer),
                                       ("revoked_at", .integer), ("revoked_by", .text), ("renewed_from", .text)]),
    ]

    /// Tool pinning's tables (schema 3), in SQLite's column order.
    static let pinTables: [(table: String, noun: String, columns: [(String, Kind)])] = [
        ("tool_servers", "tool server", [("id", .text), ("policy", .text), ("first_seen_at", .integer)]),
        ("tool_settings", "tool setting", [("id", .text), ("value", .text)]),
        ("tool_pins", "tool pin", [("id", .text), ("server", .text), ("tool", .text), ("hash", .text), ("first_seen_at", .integer),
                                   ("changed_at", .integer), ("gone_at", .integer)]),
        ("tool_definitions", "tool definition", [("id", .text), ("definition", .text), ("first_seen_at", .integer)]),
        ("tool_decisions", "tool decision", [("id", .text), ("server", .text), ("tool", .text), ("hash", .text), ("verdict", .text),
                                             ("decided_at", .integer), ("decided_by", .text), ("reason", .text)]),
    ]

    /// Gates (schema 8), in SQLite's column order.
    static let gateTables: [(table: String, noun: String, columns: [(String, Kind)])] = [
        ("gates", "gate", [("id", .text), ("created_at", .integer), ("revoked_at", .integer), ("revoke_reason", .text)]),
        ("gate_credentials", "gate credential", [("id", .text), ("gate_id", .text), ("secret_hash", .bytes), ("issued_at", .integer),
                                                 ("expires_at", .integer), ("revoked_at", .integer)]),
    ]

    static let modulus = "115792089237316195423570985008687907853269984665640564039457584007913129639936"

    /// The functions, the sum's row and the triggers (part of the schema's first version).
    static var schema: String {
        let sql = """
        CREATE FUNCTION warden_enc(v text) RETURNS bytea IMMUTABLE LANGUAGE sql AS $$
            SELECT CASE WHEN v IS NULL THEN '\\x6e'::bytea
                        ELSE '\\x74'::bytea || int4send(octet_length(v)) || convert_to(v, 'UTF8') END $$;
        CREATE FUNCTION warden_enc(v bigint) RETURNS bytea IMMUTABLE LANGUAGE sql AS $$
            SELECT CASE WHEN v IS NULL THEN '\\x6e'::bytea ELSE '\\x69'::bytea || int8send(v) END $$;
        CREATE FUNCTION warden_enc(v bytea) RETURNS bytea IMMUTABLE LANGUAGE sql AS $$
            SELECT CASE WHEN v IS NULL THEN '\\x6e'::bytea ELSE '\\x62'::bytea || int4send(length(v)) || v END $$;
        -- A 32-byte hash as the number it is (big-endian), and back.
        CREATE FUNCTION warden_digest_num(d bytea) RETURNS numeric IMMUTABLE LANGUAGE sql AS $$
            SELECT coalesce(sum(
                ((('x' || encode(substring(d FROM 1 + 8 * i FOR 8), 'hex'))::bit(64)::bigint::numeric + 18446744073709551616)
                    % 18446744073709551616) * (18446744073709551616::numeric ^ (3 - i))), 0)
            FROM generate_series(0, 3) AS i $$;
        CREATE FUNCTION warden_digest_bytes(n numeric) RETURNS bytea IMMUTABLE LANGUAGE plpgsql AS $$
        DECLARE
            out bytea := '';
            x numeric := n;
        BEGIN
            FOR i IN 1..32 LOOP
                out := set_byte('\\x00'::bytea, 0, (x % 256)::int) || out;
                x := div(x, 256);
            END LOOP;
            RETURN out;
        END $$;
        -- (digest - minus + plus) mod 2^256.
        CREATE FUNCTION warden_digest_step(digest numeric, minus numeric, plus numeric) RETURNS numeric IMMUTABLE LANGUAGE sql AS $$
            SELECT (((digest - minus + plus) % \(modulus)) + \(modulus)) % \(modulus) $$;

        CREATE TABLE governed_state(
            id     integer PRIMARY KEY CHECK (id = 1),
            digest numeric NOT NULL
        );
        INSERT INTO governed_state VALUES (1, 0);

        """
        return sql + triggers(for: v1Tables)
    }

    /// Each table's row hash and the triggers that keep it and the sum.
    static func triggers(for governed: [(table: String, noun: String, columns: [(String, Kind)])]) -> String {
        var sql = ""
        for (table, _, columns) in governed {
            sql += """
            CREATE FUNCTION warden_row_hash(r \(table)) RETURNS bytea STABLE LANGUAGE sql AS $$
                SELECT sha256(\(rowEncoding(table, columns, row: "r"))) $$;
            CREATE FUNCTION \(table)_row_digest() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                NEW.digest := warden_row_hash(NEW);
                RETURN NEW;
            END $$;
            CREATE TRIGGER \(table)_row_digest BEFORE INSERT OR UPDATE ON \(table)
                FOR EACH ROW EXECUTE FUNCTION \(table)_row_digest();
            CREATE FUNCTION \(table)_sum_insert() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE governed_state SET digest = warden_digest_step(digest, 0,
                    (SELECT coalesce(sum(warden_digest_num(n.digest)), 0) FROM new_rows n)) WHERE id = 1;
                RETURN NULL;
            END $$;
            CREATE FUNCTION \(table)_sum_update() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE governed_state SET digest = warden_digest_step(digest,
                    (SELECT coalesce(sum(warden_digest_num(warden_row_hash(o::\(table)))), 0) FROM old_rows o),
                    (SELECT coalesce(sum(warden_digest_num(n.digest)), 0) FROM new_rows n)) WHERE id = 1;
                RETURN NULL;
            END $$;
            CREATE FUNCTION \(table)_sum_delete() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE governed_state SET digest = warden_digest_step(digest,
                    (SELECT coalesce(sum(warden_digest_num(warden_row_hash(o::\(table)))), 0) FROM old_rows o), 0) WHERE id = 1;
                RETURN NULL;
            END $$;
            CREATE TRIGGER \(table)_sum_insert AFTER INSERT ON \(table) REFERENCING NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION \(table)_sum_insert();
            CREATE TRIGGER \(table)_sum_update AFTER UPDATE ON \(table) REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION \(table)_sum_update();
            CREATE TRIGGER \(table)_sum_delete AFTER DELETE ON \(table) REFERENCING OLD TABLE AS old_rows
                FOR EACH STATEMENT EXECUTE FUNCTION \(table)_sum_delete();

            """
        }
        return sql
    }

    /// `warden_enc('agents') || warden_enc('id') || warden_enc(r.id) || …`
    static func rowEncoding(_ table: String, _ columns: [(String, Kind)], row: String) -> String {
        (["warden_enc('\(table)'::text)"] + columns.map { name, kind in
            let value: String
            switch kind {
            case .text, .bytes, .integer: value = "\(row).\(name)"
            case .boolean: value = "\(row).\(name)::int::bigint"
            }
            let cast = kind == .integer ? "::bigint" : ""
            return "warden_enc('\(name)'::text) || warden_enc(\(value)\(cast))"
        }).joined(separator: " || ")
    }
}
