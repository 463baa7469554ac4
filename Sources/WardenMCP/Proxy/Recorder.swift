import Dispatch
import Glibc
import WardenCore
import WardenStore
import WardenSystem

/// Writes tool calls and instance events off the relay path: the relay only appends to a
/// queue; a background thread with its own store connection writes whatever has gathered in
/// one transaction, and sends the instance heartbeat on schedule. `stop()` flushes everything.
final class Recorder: @unchecked Sendable {
    private let store: any ActivityRecording
    private let clock: @Sendable () -> Timestamp
    private let instanceID: String
    private let heartbeatNanos: UInt64
    private let cond = Condition()
    private var calls: [ToolCall] = []
    private var events: [InstanceEvent] = []
    private var stopping = false
    /// The writer waits for work (a record wakes it); false while it writes or paces.
    private var idle = false
    /// The least time from one write's start to the next: records gather meanwhile and go in
    /// one transaction (a commit per call cost a gateway more than the rest of the call).
    /// 0: each write starts as soon as something is queued.
    private let gapNanos: UInt64
    private var warned = false
    private let done = DispatchSemaphore(value: 0)
    /// How long `stop()` keeps retrying a store that fails before giving up (and saying so).
    private let flushDeadlineNanos: UInt64 = 15_000_000_000

    init(store: any ActivityRecording, instanceID: String, heartbeatSeconds: Double, clock: @escaping @Sendable () -> Timestamp,
         batchGapSeconds: Double = 0) {
        self.store = store
        self.instanceID = instanceID
        self.heartbeatNanos = UInt64(max(0.05, heartbeatSeconds) * 1e9)
        self.clock = clock
        self.gapNanos = UInt64(max(0, batchGapSeconds) * 1e9)
    }

    func start() {
        BackgroundThread.start(name: "warden-recorder") { [self] in loop() }
    }

    func record(_ call: ToolCall) {
        cond.lock()
        calls.append(call)
        if idle { cond.signal() }
        cond.unlock()
    }

    func record(_ event: InstanceEvent) {
        cond.lock()
        events.append(event)
        if idle { cond.signal() }
        cond.unlock()
    }

    /// Flushes every queued record (retrying a busy store) and ends the writer thread.
    func stop() {
        cond.lock()
        stopping = true
        cond.signal()  // whether waiting for work or pacing
        cond.unlock()
        done.wait()
    }

    private func loop() {
        var nextBeat = MonotonicClock.nanos() + heartbeatNanos
        var stopDeadline: UInt64?
        var lastWrite: UInt64 = 0
        while true {
            cond.lock()
            while calls.isEmpty && events.isEmpty && !stopping {
                let now = MonotonicClock.nanos()
                if now >= nextBeat { break }
                idle = true
                _ = cond.wait(nanoseconds: Int64(nextBeat - now))
                idle = false
            }
            // Pacing: what comes in meanwhile joins this write (a stop cuts the wait short).
            while !stopping, gapNanos > 0 {
                let now = MonotonicClock.nanos()
                if now >= lastWrite + gapNanos { break }
                _ = cond.wait(nanoseconds: Int64(lastWrite + gapNanos - now))
            }
            lastWrite = MonotonicClock.nanos()
            if MonotonicClock.nanos() >= nextBeat && !stopping {
                events.append(.heartbeat(instanceID: instanceID, at: clock()))
                nextBeat = MonotonicClock.nanos() + heartbeatNanos
            }
            // At most what one write takes: the rest waits its turn, so a retry never resends a
            // part that went in.
            let batchCalls = Array(calls.prefix(store.recordsPerWrite)), batchEvents = Array(events.prefix(store.recordsPerWrite))
            calls.removeFirst(batchCalls.count)
            events.removeFirst(batchEvents.count)
            let ending = stopping
            cond.unlock()

            if ending && stopDeadline == nil { stopDeadline = MonotonicClock.nanos() + flushDeadlineNanos }
            let left = write(batchCalls, batchEvents)
            if let (batchCalls, batchEvents) = left {
                if let d = stopDeadline, MonotonicClock.nanos() > d {
                    warn("gave up writing \(batchCalls.count) tool \(batchCalls.count == 1 ? "call" : "calls") and \(batchEvents.count) instance \(batchEvents.count == 1 ? "event" : "events") to the store")
                } else {
                    // Put them back in front of anything newer and try again shortly.
                    cond.lock()
                    calls.insert(contentsOf: batchCalls, at: 0)
                    events.insert(contentsOf: batchEvents, at: 0)
                    cond.unlock()
                    usleep(100_000)
                    continue
                }
            }
            cond.lock()
            let finished = stopping && calls.isEmpty && events.isEmpty
            cond.unlock()
            if finished { break }
        }
        done.signal()
    }

    /// What is left to write again later: nil when everything was written, or can never be (a
    /// rule refused it: retrying would not help, so it is dropped with a warning). Events that
    /// went in are not sent again with calls that did not: each write is its own transaction.
    private func write(_ calls: [ToolCall], _ events: [InstanceEvent]) -> (calls: [ToolCall], events: [InstanceEvent])? {
        // Instance events first: a call's instance should exist before the call does.
        var pendingEvents = events
        do {
            if !events.isEmpty {
                try store.recordInstanceEvents(events)
                pendingEvents = []
            }
            if !calls.isEmpty { try store.recordCalls(calls) }
            return nil
        } catch {
            switch error {
            case .io:
                warn("the store is busy or failing (\(error.description)); will retry")
                return (calls, pendingEvents)
            default:
                warn("cannot record: \(error.description)")
                if !pendingEvents.isEmpty && !calls.isEmpty {
                    // The events were refused; the calls may still go in on their own.
                    do {
                        try store.recordCalls(calls)
                    } catch {
                        if case .io = error { return (calls, []) }
                    }
                }
                return nil
            }
        }
    }

    private func warn(_ message: String) {
        if warned { return }
        warned = true
        FD.writeAll(2, Array("warden mcp-proxy: \(message)\n".utf8))
    }
}
