/// A schema migration that keeps the same governed-state digest for less work per row.
/// Measured on a 10,000-agent subtree (+20,000 credentials), the statement triggers' sums took
/// ~60% of the cascade: `warden_digest_num` runs a little query (generate_series, numeric
/// powers) per hash, and the row hash called `warden_enc(text)` per column (declared IMMUTABLE
/// around the STABLE `convert_to`, so the planner would not inline it). Now the row hash inlines
/// and each statement sums its hashes once, as eight 32-bit integer limbs.
///
/// Self-contained: it only replaces functions of the first version and adds one, so it can be
/// renumbered among other migrations. The digest is the same number: tests compare it with
/// SQLite's for the same rows, and `warden_digest_sum` with `warden_digest_num` per hash.
enum DigestLimbSums {
    static let migration: String = {
        var sql = """
        -- STABLE, as its body is: now inlined into warden_row_hash, itself inlined where it is called.
        CREATE OR REPLACE FUNCTION warden_enc(v text) RETURNS bytea STABLE LANGUAGE sql AS $$
            SELECT CASE WHEN v IS NULL THEN '\\x6e'::bytea
                        ELSE '\\x74'::bytea || int4send(octet_length(v)) || convert_to(v, 'UTF8') END $$;
        -- The sum of 32-byte hashes as the numbers they are (big-endian), exactly
        -- sum(warden_digest_num(h)): each hash as eight 32-bit limbs (read with get_byte, the
        -- cheapest way measured), each limb summed as an integer, then one numeric sum per
        -- call, not per hash. 0 for no hashes.
        CREATE FUNCTION warden_digest_sum(hashes bytea[]) RETURNS numeric IMMUTABLE LANGUAGE sql AS $$
            SELECT coalesce(\((0..<8).map { "sum(l\($0))" + (Self.place[$0].isEmpty ? "" : " * \(Self.place[$0])") }.joined(separator: "\n                + ")), 0)
            FROM (SELECT \((0..<8).map { "\(Self.limb($0)) AS l\($0)" }.joined(separator: ",\n                         ")) FROM unnest(hashes) AS h) AS limbs $$;

        """
        // The statement triggers of the first version, summing with it. An old row is still
        // rehashed from its content, not read from its stored hash: a row changed behind the
        // triggers' back stays a difference, never laundered by the next update.
        for (table, _, _) in GovernedState.v1Tables {
            sql += """
            CREATE OR REPLACE FUNCTION \(table)_sum_insert() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE governed_state SET digest = warden_digest_step(digest, 0,
                    (SELECT warden_digest_sum(array_agg(n.digest)) FROM new_rows n)) WHERE id = 1;
                RETURN NULL;
            END $$;
            CREATE OR REPLACE FUNCTION \(table)_sum_update() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE governed_state SET digest = warden_digest_step(digest,
                    (SELECT warden_digest_sum(array_agg(warden_row_hash(o::\(table)))) FROM old_rows o),
                    (SELECT warden_digest_sum(array_agg(n.digest)) FROM new_rows n)) WHERE id = 1;
                RETURN NULL;
            END $$;
            CREATE OR REPLACE FUNCTION \(table)_sum_delete() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE governed_state SET digest = warden_digest_step(digest,
                    (SELECT warden_digest_sum(array_agg(warden_row_hash(o::\(table)))) FROM old_rows o), 0) WHERE id = 1;
                RETURN NULL;
            END $$;

            """
        }
        return sql
    }()

    /// The functions it replaces (definers since schema 2: re-hardened after it).
    static var replaced: [String] {
        GovernedState.v1Tables.flatMap { t in ["insert", "update", "delete"].map { "\(t.table)_sum_\($0)()" } }
    }

    /// Limb `k` of hash `h`: bytes 4k to 4k+3, big-endian, as a non-negative bigint.
    static func limb(_ k: Int) -> String {
        (0..<4).map { i in "(get_byte(h, \(4 * k + i))::bigint << \(24 - 8 * i))" }.joined(separator: " | ")
    }

    /// 2^(32·(7−k)), the place of limb k (empty for the last).
    static let place = [
        "26959946667150639794667015087019630673637144422540572481103610249216", "6277101735386680763835789423207666416102355444464034512896",
        "1461501637330902918203684832716283019655932542976", "340282366920938463463374607431768211456",
        "79228162514264337593543950336", "18446744073709551616", "4294967296", "",
    ]
}
