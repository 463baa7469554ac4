import Testing
import WardenCore
@testable import WardenDashboard

/// A store that stops answering is not fatal: the header says so, with the age of what is shown.
@Suite("Store reconnecting")
struct StoreReconnectTests {
    @Test func unreachableStoreShowsReconnectingAndTheAgeUntilItIsBack() {
        var s = Fixture.state(width: 200)
        let shown = s.snapshot.agents.count
        #expect(!s.screen[0].contains("reconnecting"))
        _ = Update.update(&s, .storeUnreachable("store: the PostgreSQL server is unavailable"))
        #expect(s.flash?.isError == true && s.flash?.text.contains("unavailable") == true)
        #expect(s.screen[0].contains("store: reconnecting… · as of now"), "\(s.screen[0])")
        _ = Update.update(&s, .tick(Fixture.now + 12_000))
        _ = Update.update(&s, .storeUnreachable("store: the PostgreSQL server is unavailable"))
        #expect(s.screen[0].contains("store: reconnecting… · as of 12s ago"), "the age counts from the first failure: \(s.screen[0])")
        #expect(s.snapshot.agents.count == shown)  // the last snapshot stays up
        _ = Update.update(&s, .storeReachable)
        #expect(s.storeLostAt == nil)
        #expect(!s.screen[0].contains("reconnecting") && s.screen[0].contains(s.storeLocation), "\(s.screen[0])")
    }
}
