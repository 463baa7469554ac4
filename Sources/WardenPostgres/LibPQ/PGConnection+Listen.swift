import CPostgres
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WardenStore

// LISTEN/NOTIFY: waiting for another session's announcement without polling the server.
extension PGConnection {
    /// Waits up to `timeoutMs` for a notification on `channel` (an SQL identifier the caller
    /// owns, never user input); true when at least one arrived, every one queued is taken. The
    /// session LISTENs on first use and again after a reconnect. A lost server throws
    /// "unavailable"; the next call reconnects.
    package func waitForNotification(on channel: String, timeoutMs: Int) throws(StoreError) -> Bool {
        try ensureConnected()
        if listeningBackend != pq.PQbackendPID(handle) {
            try run("LISTEN \(channel)")
            listeningBackend = pq.PQbackendPID(handle)
        }
        // Announcements that came in with earlier results are already buffered.
        if try takeNotifications() { return true }
        var fd = pollfd(fd: pq.PQsocket(handle), events: Int16(POLLIN), revents: 0)
        let ready = poll(&fd, 1, Int32(clamping: max(0, timeoutMs)))
        if ready < 0 && errno != EINTR { throw .io("cannot wait for PostgreSQL notifications: \(String(cString: strerror(errno)))") }
        guard ready > 0 else { return false }
        return try takeNotifications()
    }

    /// Reads what the server sent and frees every queued notification; true when there was one.
    private func takeNotifications() throws(StoreError) -> Bool {
        guard pq.PQconsumeInput(handle) == 1, pq.PQstatus(handle) == CONNECTION_OK else { throw unavailable() }
        var any = false
        while let n = pq.PQnotifies(handle) {
            any = true
            pq.PQfreemem(n)
        }
        return any
    }
}
