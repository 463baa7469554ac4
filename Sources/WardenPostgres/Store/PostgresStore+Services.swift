import WardenCore
import WardenStore

// `warden serve`'s heartbeat rows: activity, announced like any other write so a dashboard's
// header follows at once.
extension PostgresStore: ServiceRegistry {
    static let serviceColumns = "id, host, listen, pid, version, started_at, last_heartbeat, sessions, stopped_at"

    public func recordService(_ raw: ServiceRecord) throws(StoreError) {
        let s = raw.forRecording()
        _ = try activity("record the service's heartbeat") { () throws(StoreError) in
            // A newer start takes the row over; the same run only moves forward, and not once stopped.
            try connection.execute("""
                INSERT INTO services(\(Self.serviceColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                ON CONFLICT (id) DO UPDATE SET host = excluded.host, listen = excluded.listen, pid = excluded.pid,
                    version = excluded.version, started_at = excluded.started_at, last_heartbeat = excluded.last_heartbeat,
                    sessions = excluded.sessions, stopped_at = excluded.stopped_at
                WHERE excluded.started_at > services.started_at
                   OR (excluded.started_at = services.started_at AND services.stopped_at IS NULL
                       AND excluded.last_heartbeat >= services.last_heartbeat)
                """, [s.id, s.host, s.listen, s.pid, s.version, s.startedAt, s.lastHeartbeat, s.sessions, s.stoppedAt])
        }
    }

    public func services() throws(StoreError) -> [ServiceRecord] {
        try connection.query("SELECT \(Self.serviceColumns) FROM services ORDER BY last_heartbeat DESC, id").map { r in
            var s = ServiceRecord(host: r.string(1), listen: r.string(2), pid: r.int64(3), version: r.string(4),
                                  startedAt: r.int64(5), lastHeartbeat: r.int64(6), sessions: r.int64(7),
                                  stoppedAt: r.optionalInt64(8))
            s.id = r.string(0)
            return s
        }
    }
}
