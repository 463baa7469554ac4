import WardenStore
import CSQLite
import Glibc

/// Checkpoints a connection's WAL on a thread of its own, with a connection of its own, so a
/// bulk writer does not stop to copy pages into the database file and wait for two fsyncs
/// every 1000 pages. SQLite's own rule stays the trigger (a commit leaving 1000 or more frames
/// in the WAL); the checkpoint is PASSIVE, as the automatic one is: it never blocks the writer
/// or readers. Should checkpoints fall far behind, the writer checkpoints inline again.
final class BackgroundCheckpointer: @unchecked Sendable {
    /// The automatic checkpoint's threshold (SQLITE_DEFAULT_WAL_AUTOCHECKPOINT).
    static let threshold: Int32 = 1000
    /// Beyond this many frames the writer checkpoints itself (the WAL stays bounded).
    static let inlineThreshold: Int32 = 16_000

    private let path: String
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var requested = false
    private var stopping = false
    private var thread: pthread_t?

    init(path: String) {
        self.path = path
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    /// Starts the thread and hands `db`'s checkpoints to it. False (and nothing changed) when
    /// the thread cannot start.
    func start(for db: Database) -> Bool {
        let box = Unmanaged.passRetained(self)
        var t = pthread_t()
        let rc = pthread_create(&t, nil, { arg in
            let me = Unmanaged<BackgroundCheckpointer>.fromOpaque(arg!).takeRetainedValue()
            me.run()
            return nil
        }, box.toOpaque())
        guard rc == 0 else {
            box.release()
            return false
        }
        thread = t
        sqlite3_wal_hook(db.handle, { ctx, handle, name, frames in
            if frames >= BackgroundCheckpointer.inlineThreshold {
                // Far behind: as SQLite's own hook does, checkpoint here and now.
                sqlite3_wal_checkpoint_v2(handle, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            } else if frames >= BackgroundCheckpointer.threshold, let ctx {
                Unmanaged<BackgroundCheckpointer>.fromOpaque(ctx).takeUnretainedValue().request()
            }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
        return true
    }

    /// Gives `db` back SQLite's own checkpoints, runs a last checkpoint and ends the thread.
    func stop(for db: Database) {
        sqlite3_wal_autocheckpoint(db.handle, BackgroundCheckpointer.threshold)
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_signal(cond)
        pthread_mutex_unlock(mutex)
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }

    private func request() {
        pthread_mutex_lock(mutex)
        requested = true
        pthread_cond_signal(cond)
        pthread_mutex_unlock(mutex)
    }

    private func run() {
        var handle: OpaquePointer?
        if sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) != SQLITE_OK {
            sqlite3_close_v2(handle)
            handle = nil  // the requests are then dropped; the writer's inline bound still holds
        }
        if let handle { sqlite3_busy_timeout(handle, 1000) }
        while true {
            pthread_mutex_lock(mutex)
            while !requested && !stopping { pthread_cond_wait(cond, mutex) }
            let last = stopping
            requested = false
            pthread_mutex_unlock(mutex)
            if let handle { sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil) }
            if last { break }
        }
        sqlite3_close_v2(handle)
    }
}
