import WardenSystem

/// The deadlines of answers streamed to clients, kept by one thread for the whole process. The
/// first way, a thread per streamed POST sleeping until its deadline, cost more CPU than the
/// rest of a call (creating and tearing down a thread per request). An action runs once, on
/// the watcher's thread, when its time comes, unless it was cancelled first; a cancel or a new
/// later deadline does not wake the watcher (with one answer timeout per upstream, a new
/// deadline is almost never the earliest).
final class DeadlineWatch: @unchecked Sendable {
    static let shared = DeadlineWatch()

    /// One deadline: made before the work it guards starts (so a cancel that comes first
    /// holds), scheduled once, cancelled when the work ended in time.
    final class Handle: @unchecked Sendable {
        fileprivate let id: Int
        private let watch: DeadlineWatch
        /// Cancelled or fired: a later schedule does nothing. Guarded by the watch's lock.
        fileprivate var over = false

        fileprivate init(id: Int, watch: DeadlineWatch) {
            self.id = id
            self.watch = watch
        }

        func schedule(at deadline: Deadline, _ action: @escaping @Sendable () -> Void) {
            watch.schedule(self, at: deadline, action)
        }

        func cancel() { watch.cancel(self) }
    }

    private struct Pending {
        let at: Deadline
        let handle: Handle
        let action: @Sendable () -> Void
    }

    private let cond = Condition()
    private var pending: [Int: Pending] = [:]
    private var nextID = 0
    private var started = false
    /// When the watcher wakes next; nil while it waits for work.
    private var wakeAt: Deadline?

    init() {}

    func handle() -> Handle {
        cond.lock()
        defer { cond.unlock() }
        nextID += 1
        return Handle(id: nextID, watch: self)
    }

    /// Deadlines not yet fired or cancelled.
    var count: Int {
        cond.lock()
        defer { cond.unlock() }
        return pending.count
    }

    private func schedule(_ h: Handle, at deadline: Deadline, _ action: @escaping @Sendable () -> Void) {
        cond.lock()
        defer { cond.unlock() }
        if h.over || pending[h.id] != nil { return }
        pending[h.id] = Pending(at: deadline, handle: h, action: action)
        if !started {
            started = true
            BackgroundThread.start(name: "warden-deadlines") { [self] in loop() }
        }
        if wakeAt.map({ deadline < $0 }) ?? true { cond.signal() }
    }

    private func cancel(_ h: Handle) {
        cond.lock()
        h.over = true
        pending[h.id] = nil
        cond.unlock()
    }

    private func loop() {
        cond.lock()
        while true {
            let now = MonotonicClock.nanos()
            let due = pending.values.filter { $0.at.nanos <= now }.sorted { $0.at < $1.at }
            if !due.isEmpty {
                for p in due {
                    p.handle.over = true
                    pending[p.handle.id] = nil
                }
                cond.unlock()
                for p in due { p.action() }
                cond.lock()
                continue
            }
            wakeAt = pending.values.map(\.at).min()
            if let wakeAt { _ = cond.wait(until: wakeAt) } else { cond.wait() }
            wakeAt = nil
        }
    }
}
