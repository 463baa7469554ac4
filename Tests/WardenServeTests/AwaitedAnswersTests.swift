import Testing
import WardenCore
import WardenSystem
@testable import WardenServe

/// A stdio server's answer and the POST's deadline racing: exactly one of them reaches the
/// client, and the call is read by the gate (which records it) once, with the matching outcome.
@Suite struct AwaitedAnswersTests {
    /// What a POST saw: the messages delivered, how often `done` ran, how often the gate read an answer.
    final class Seen: @unchecked Sendable {
        let lock = Lock()
        var delivered: [JSONValue] = []
        var done = 0
        var gated = 0
        func add(_ m: JSONValue) { lock.lock(); delivered.append(m); lock.unlock() }
        func finish() { lock.lock(); done += 1; lock.unlock() }
        func gate(_ m: JSONValue) -> JSONValue? { lock.lock(); gated += 1; lock.unlock(); return m }
        var snapshot: (delivered: [JSONValue], done: Int, gated: Int) { lock.lock(); defer { lock.unlock() }; return (delivered, done, gated) }
    }

    static let answer: JSONValue = .object([("jsonrpc", .string("2.0")), ("id", .number("7")), ("result", .object([]))])

    func waiting(_ seen: Seen, ids: [String] = ["7"]) -> AwaitedAnswers {
        AwaitedAnswers(ids: ids, deliver: { seen.add($0) }, done: { seen.finish() })
    }

    @Test func theAnswerFirstLeavesTheDeadlineNothing() {
        let seen = Seen()
        let w = waiting(seen)
        #expect(w.offer(Self.answer, answering: "7", gate: seen.gate))
        #expect(w.expire() == nil, "the answer came: no error for it")
        let s = seen.snapshot
        #expect(s.delivered == [Self.answer] && s.done == 1 && s.gated == 1)
    }

    @Test func theDeadlineFirstRefusesTheLateAnswer() {
        let seen = Seen()
        let w = waiting(seen)
        #expect(w.expire() == ["7"], "the caller answers 7 with an error")
        #expect(!w.offer(Self.answer, answering: "7", gate: seen.gate), "a late answer is not this POST's any more")
        #expect(!w.isWaiting(for: "7"))
        let s = seen.snapshot
        #expect(s.delivered.isEmpty && s.gated == 0, "the late answer was neither delivered nor recorded")
        #expect(s.done == 0, "expiry leaves ending the POST to its caller")
    }

    /// A batch: one id answered before the deadline, the other not; only the other is the caller's.
    @Test func theDeadlineGetsOnlyTheIdsStillWaiting() {
        let seen = Seen()
        let w = waiting(seen, ids: ["1", "2"])
        let one: JSONValue = .object([("jsonrpc", .string("2.0")), ("id", .number("1")), ("result", .object([]))])
        #expect(w.offer(one, answering: "1", gate: seen.gate))
        #expect(!w.offer(one, answering: "1", gate: seen.gate), "an id is answered once")
        #expect(w.expire() == ["2"])
        #expect(seen.snapshot.delivered == [one])
    }

    /// The deadline fires while the answer is being delivered (the gate is still reading it):
    /// expiry waits for that delivery, so what the POST gathered is complete when it returns.
    @Test func aDeadlineDuringTheDeliveryWaitsForIt() {
        let seen = Seen()
        let w = waiting(seen)
        let entered = Box<Bool>(), release = Box<Bool>(), offered = Box<Bool>()
        BackgroundThread.start {
            let taken = w.offer(Self.answer, answering: "7") { m in
                entered.set(true)
                _ = release.wait()
                return seen.gate(m)
            }
            offered.set(taken)
        }
        _ = entered.wait()
        release.set(true)
        let missing = w.expire()
        // Read right after expiry, as the POST does: the answer is there, and it owes no error.
        let s = seen.snapshot
        #expect(missing == nil)
        #expect(s.delivered == [Self.answer] && s.gated == 1 && s.done == 1)
        #expect(offered.wait() == true)
    }

    /// Both orders, many times over on two threads: each time exactly one outcome, and what the
    /// POST reads after its expiry returns already holds the answer when no error is owed.
    @Test func racingTheyNeverBothWinNorBothLose() {
        for _ in 0..<2_000 {
            let seen = Seen()
            let w = waiting(seen)
            let taken = Box<Bool>()
            BackgroundThread.start { taken.set(w.offer(Self.answer, answering: "7", gate: seen.gate)) }
            let missing = w.expire()
            let atExpiry = seen.snapshot
            let t = taken.wait()
            if let missing {
                #expect(missing == ["7"] && t == false && seen.snapshot.delivered.isEmpty && seen.snapshot.gated == 0)
            } else {
                #expect(t == true && atExpiry.delivered == [Self.answer] && atExpiry.gated == 1)
            }
        }
    }

    /// The server ends with a request still waiting: it gets the error, once, and the POST is done;
    /// a deadline after that owes nothing.
    @Test func theServerEndingAnswersWhatIsStillWaiting() {
        let seen = Seen()
        let w = waiting(seen)
        let error: JSONValue = .object([("id", .number("7")), ("error", .object([]))])
        #expect(w.end { _ in error })
        #expect(!w.end { _ in error })
        #expect(w.expire() == nil)
        let s = seen.snapshot
        #expect(s.delivered == [error] && s.done == 1)
    }
}

/// A value one thread sets and another waits for.
final class Box<T: Sendable>: @unchecked Sendable {
    private let cond = Condition()
    private var value: T?
    func set(_ v: T) { cond.lock(); value = v; cond.broadcast(); cond.unlock() }
    func wait() -> T {
        cond.lock()
        defer { cond.unlock() }
        while value == nil { cond.wait() }
        return value!
    }
}
