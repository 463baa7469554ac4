import Glibc
import WardenCore
import WardenStore
import WardenSystem

/// The service's row in the store (`services`): written at start, on every heartbeat with the
/// sessions open, and marked stopped on a graceful shutdown, so a dashboard on the store can say
/// whether a gateway is up. Observability only: a store that refuses the row (a role without the
/// grant) is noted once and the service goes on deciding.
final class ServiceHeartbeat: @unchecked Sendable {
    private let lock = Lock()
    private var store: (any ServiceRegistry)?
    private var record: ServiceRecord
    private var stopped = false
    private var failing = false
    private let sessions: @Sendable () -> Int
    private let clock: @Sendable () -> Timestamp
    private let note: @Sendable (String) -> Void

    init(backend: any StoreBackend, host: String, listen: String, version: String,
         sessions: @escaping @Sendable () -> Int, clock: @escaping @Sendable () -> Timestamp,
         note: @escaping @Sendable (String) -> Void) {
        let now = clock()
        record = ServiceRecord(host: host, listen: listen, pid: Int64(getpid()), version: version,
                               startedAt: now, lastHeartbeat: now, sessions: 0)
        self.sessions = sessions
        self.clock = clock
        self.note = note
        do { store = try backend.open(for: .service) } catch {
            note("cannot keep the service's heartbeat in the store (\(error.description)); dashboards will not show it")
        }
        write()
    }

    func beat() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        record.lastHeartbeat = clock()
        record.sessions = Int64(sessions())
        writeLocked()
    }

    /// After the drain: the row says the service stopped (a later heartbeat never undoes it).
    func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        let now = clock()
        record.lastHeartbeat = now
        record.stoppedAt = now
        record.sessions = 0
        writeLocked()
    }

    private func write() {
        lock.lock()
        writeLocked()
        lock.unlock()
    }

    private func writeLocked() {
        guard let store else { return }
        do {
            try store.recordService(record)
            if failing { note("the service's heartbeat is written again") }
            failing = false
        } catch {
            if !failing { note("cannot write the service's heartbeat (\(error.description)); will retry") }
            failing = true
        }
    }
}
