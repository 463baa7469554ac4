/// Schema version 12: calls and denials per tool and minute, kept by the call writers
/// (`ToolUsageBatch`, like `call_minutes`), so `toolActivity(since:)` (the Tools view's last
/// hour) sums a few thousand rows instead of scanning an hour of calls. Keyed by minute first:
/// the read and retention both take a range of minutes. Backfilled from the calls stored.
/// Mirrors SQLite's `Migrations.toolMinutes`; `warden store roles`, run again after the
/// migration, lets whoever records calls add to it and every reader read it.
enum ToolMinutes {
    static let migration = """
    CREATE TABLE tool_minutes(
        minute bigint NOT NULL,
        server text NOT NULL,
        tool   text NOT NULL,
        calls  bigint NOT NULL,
        denied bigint NOT NULL,
        PRIMARY KEY (minute, server, tool)
    );
    INSERT INTO tool_minutes(minute, server, tool, calls, denied)
        SELECT at / 60000, server, tool, count(*), count(*) FILTER (WHERE decision = 'deny') FROM tool_calls GROUP BY 1, 2, 3;
    """
}
