import WardenCore
import WardenSystem

/// The answers one POST waits for from a stdio server, by request id. Each id ends exactly once:
/// with the server's answer (gated, recorded and delivered) or with the POST's deadline (handed
/// to the caller, who answers it with an error recorded as failed), never both and never neither.
/// Delivery and expiry take the same lock, so a deadline that fires while an answer is being
/// delivered waits for that delivery and then finds the id answered: an answer racing the
/// timeout can no longer be taken off the waiter and then lost.
final class AwaitedAnswers: @unchecked Sendable {
    private let lock = Lock()
    private var waiting: Set<String>
    private var over = false
    private let deliver: @Sendable (JSONValue) -> Void
    private let done: @Sendable () -> Void

    /// `ids` are `StdioSession.key`s; `done` is called once, when the last answer was delivered
    /// or the server ended (not on expiry: the caller ends the POST itself then).
    init(ids: [String], deliver: @escaping @Sendable (JSONValue) -> Void, done: @escaping @Sendable () -> Void) {
        waiting = Set(ids)
        self.deliver = deliver
        self.done = done
    }

    /// Still waiting for an answer (neither finished nor expired).
    var isOpen: Bool {
        lock.lock()
        defer { lock.unlock() }
        return !over
    }

    func isWaiting(for key: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return !over && waiting.contains(key)
    }

    /// A server message for this POST: the answer to id `key`, or (key nil) a notification or
    /// request of the server's it carries along. `gate` is the exchange's reading of it (which
    /// records an answered call); it runs only when the message is taken. False when the POST
    /// no longer waits for it (its deadline came, or the id is not one of its own).
    func offer(_ message: JSONValue, answering key: String?, gate: (JSONValue) -> JSONValue?) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if over { return false }
        if let key, waiting.remove(key) == nil { return false }
        if let m = gate(message) { deliver(m) }
        if key != nil && waiting.isEmpty {
            over = true
            done()
        }
        return true
    }

    /// The deadline: the POST stops waiting. The ids it still waited for, each now the caller's
    /// to answer with an error; nil when it had finished first (every answer delivered).
    func expire() -> [String]? {
        lock.lock()
        defer { lock.unlock() }
        if over { return nil }
        over = true
        return waiting.sorted()
    }

    /// The server ended: each id still waiting gets `error(key)` (through the gate, so its call
    /// is recorded as failed), then the POST is done. False when it had already finished.
    @discardableResult
    func end(error: (String) -> JSONValue?) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if over { return false }
        over = true
        for key in waiting.sorted() { if let e = error(key) { deliver(e) } }
        done()
        return true
    }
}
