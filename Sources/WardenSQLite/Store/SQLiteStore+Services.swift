import WardenCore
import WardenStore

// `warden serve`'s heartbeat rows.
extension SQLiteStore: ServiceRegistry {
    static let serviceColumns = "id, host, listen, pid, version, started_at, last_heartbeat, sessions, stopped_at"

    public func recordService(_ raw: ServiceRecord) throws(StoreError) {
        let s = raw.forRecording()
        try write { () throws(StoreError) in
            // A newer start takes the row over; the same run only moves forward, and not once stopped.
            try db.prepare("""
                INSERT INTO services(\(Self.serviceColumns)) VALUES (?,?,?,?,?,?,?,?,?)
                ON CONFLICT(id) DO UPDATE SET host = excluded.host, listen = excluded.listen, pid = excluded.pid,
                    version = excluded.version, started_at = excluded.started_at, last_heartbeat = excluded.last_heartbeat,
                    sessions = excluded.sessions, stopped_at = excluded.stopped_at
                WHERE excluded.started_at > services.started_at
                   OR (excluded.started_at = services.started_at AND services.stopped_at IS NULL
                       AND excluded.last_heartbeat >= services.last_heartbeat)
                """).bind(s.id, s.host, s.listen, s.pid, s.version, s.startedAt, s.lastHeartbeat, s.sessions, s.stoppedAt).run()
        }
    }

    public func services() throws(StoreError) -> [ServiceRecord] {
        try db.read { () throws(StoreError) -> [ServiceRecord] in
            // A file an older Warden wrote, opened read-only (not migrated), has no services.
            guard try userVersion() >= Migrations.callOriginVersion else { return [] }
            return try db.prepare("SELECT \(Self.serviceColumns) FROM services ORDER BY last_heartbeat DESC, id").all { r in
                var s = ServiceRecord(host: r.string(1), listen: r.string(2), pid: r.int(3), version: r.string(4),
                                      startedAt: r.int(5), lastHeartbeat: r.int(6), sessions: r.int(7), stoppedAt: r.optInt(8))
                s.id = r.string(0)
                return s
            }
        }
    }
}
