import Glibc
import WardenSystem

/// A thread-safe queue between the UI thread and the effect runner.
final class Mailbox<T: Sendable>: @unchecked Sendable {
    private let condition = Condition()
    private var items: [T] = []

    func post(_ item: T) {
        condition.lock()
        items.append(item)
        condition.signal()
        condition.unlock()
    }

    /// Ends a `wait` early with nothing in hand: the waiter has something else to look at.
    func wake() {
        condition.lock()
        condition.signal()
        condition.unlock()
    }

    /// Everything queued, without waiting.
    func drain() -> [T] {
        condition.lock()
        defer { condition.unlock() }
        let out = items
        items.removeAll(keepingCapacity: true)
        return out
    }

    /// Waits up to `ms` for something, then takes everything queued.
    func wait(ms: Int) -> [T] {
        condition.lock()
        defer { condition.unlock() }
        if items.isEmpty { _ = condition.wait(nanoseconds: Int64(ms) * 1_000_000) }
        let out = items
        items.removeAll(keepingCapacity: true)
        return out
    }
}
