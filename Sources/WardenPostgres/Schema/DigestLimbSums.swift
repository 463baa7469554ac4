/// A schema migration that keeps the same governed-state digest for less work per row, so a
/// 10,000-agent cascade fits its 500 ms. Measured on a 10,000-agent subtree (+20,000
/// credentials): the statement triggers' sums took ~60% of the cascade, because
/// `warden_digest_num` runs a little query (generate_series, numeric powers) per row, and the
/// row hash ran `warden_enc(text)` as a function call per column (declared IMMUTABLE around the
/// STABLE `convert_to`, so the planner would not inline it).
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
        -- sum(warden_digest_num(h)): each hash as four signed 64-bit limbs summed as integers
        -- (a limb read as negative is 2^64 short of its unsigned value, added back per count),
        -- then one numeric sum per call, not per hash. 0 for no hashes.
        CREATE FUNCTION warden_digest_sum(hashes bytea[]) RETURNS numeric IMMUTABLE LANGUAGE sql AS $$
            SELECT coalesce(
                  (sum(l0) + count(*) FILTER (WHERE l0 < 0) * \(twoTo64)) * \(twoTo192)
                + (sum(l1) + count(*) FILTER (WHERE l1 < 0) * \(twoTo64)) * \(twoTo128)
                + (sum(l2) + count(*) FILTER (WHERE l2 < 0) * \(twoTo64)) * \(twoTo64)
                + (sum(l3) + count(*) FILTER (WHERE l3 < 0) * \(twoTo64)), 0)
            FROM (SELECT substring(b FROM 1 FOR 64)::bigint AS l0, substring(b FROM 65 FOR 64)::bigint AS l1,
                         substring(b FROM 129 FOR 64)::bigint AS l2, substring(b FROM 193 FOR 64)::bigint AS l3
                  FROM (SELECT ('x' || encode(h, 'hex'))::bit(256) AS b FROM unnest(hashes) AS h) AS bits) AS limbs $$;

        """
        // The statement triggers of the first version, summing with it. An old row is still
        // rehashed from its content, not read from its stored hash: a row changed behind the
        // triggers' back stays a difference, never laundered by the next update.
        for (table, _, _) in GovernedState.tables {
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

    static let twoTo64 = "18446744073709551616"
    static let twoTo128 = "340282366920938463463374607431768211456"
    static let twoTo192 = "6277101735386680763835789423207666416102355444464034512896"
}
