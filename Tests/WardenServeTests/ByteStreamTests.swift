import Foundation
import Testing
@testable import WardenServe
import WardenSystem

/// A streamed POST's answer goes out whole when it is all in before its headers need to leave,
/// and as it comes otherwise (a server's notification, or time up).
@Suite struct ByteStreamTests {
    @Test func anAnswerClosedInTimeIsTakenWhole() {
        let s = ByteStream()
        let writer = Thread {
            s.write(Array("event: message\n".utf8))
            s.write(Array("data: {}\n\n".utf8))
            s.close()
        }
        writer.start()
        let whole = s.whole(until: Deadline.after(seconds: 60))
        #expect(whole.map { String(decoding: $0, as: UTF8.self) } == "event: message\ndata: {}\n\n")
        #expect(s.read(max: 100) == nil, "drained: nothing is sent twice")
    }

    @Test func aNotificationOrTimeUpLeavesTheStreamToBeReadAsItComes() {
        let notified = ByteStream()
        notified.write(Array("a".utf8))
        notified.streamNow()
        notified.close()
        #expect(notified.whole(until: Deadline.after(seconds: 60)) == nil)
        #expect(notified.read(max: 100) == Array("a".utf8))

        let slow = ByteStream()
        slow.write(Array("b".utf8))
        #expect(slow.whole(until: Deadline(nanos: 0)) == nil, "the deadline passed with the stream open")
        #expect(slow.read(max: 100) == Array("b".utf8))
    }
}
