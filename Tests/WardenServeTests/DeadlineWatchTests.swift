import Foundation
import Testing
@testable import WardenServe
import WardenSystem

/// The one thread that keeps every streamed POST's deadline: an action runs once when due,
/// never after a cancel, and a cancel that comes before the schedule still holds.
@Suite struct DeadlineWatchTests {
    final class Fired: @unchecked Sendable {
        let lock = NSLock()
        var names: [String] = []
        let done = DispatchSemaphore(value: 0)
        func fire(_ name: String) { lock.withLock { names.append(name) } }
    }

    @Test func aDueActionRunsOnceAndACancelledOneNever() {
        let watch = DeadlineWatch()
        let fired = Fired()
        let past = Deadline(nanos: 0)
        // Cancelled before it was scheduled (the answers were all in first): the schedule is void.
        let early = watch.handle()
        early.cancel()
        early.schedule(at: past) { fired.fire("early") }
        // Cancelled after it was scheduled, far ahead.
        let later = watch.handle()
        later.schedule(at: Deadline.after(seconds: 3600)) { fired.fire("later") }
        later.cancel()
        let due = watch.handle()
        due.schedule(at: past) { fired.fire("due"); fired.done.signal() }
        due.schedule(at: past) { fired.fire("twice") }
        #expect(fired.done.wait(timeout: .now() + 60) == .success)
        #expect(fired.lock.withLock { fired.names } == ["due"])
        #expect(watch.count == 0, "nothing left pending: the cancelled deadline is gone")
    }

    @Test func anEarlierDeadlineWakesTheWatcherWaitingForALaterOne() {
        let watch = DeadlineWatch()
        let fired = Fired()
        let far = watch.handle()
        far.schedule(at: Deadline.after(seconds: 3600)) { fired.fire("far") }
        let soon = watch.handle()
        soon.schedule(at: Deadline(nanos: 0)) { fired.fire("soon"); fired.done.signal() }
        #expect(fired.done.wait(timeout: .now() + 60) == .success)
        #expect(fired.lock.withLock { fired.names } == ["soon"])
        #expect(watch.count == 1)
        far.cancel()
    }
}
