import WardenCore

/// The last unchanged tool list seen per server on one connection, with the governed state's
/// digest it was read under (issue 16). The proxy reports the same list on every session; when
/// the list and the digest are both the same, the pins are the same, so the answer is one
/// digest read instead of every pin and decision of the server. Any governed change, by any
/// process (an operator's approval or rejection included), changes the digest that the triggers
/// keep, and the next list is read again. A store that keeps no digest never uses it.
/// One per connection, like the connection itself: used from one thread at a time.
package final class ToolListMemo {
    struct Entry {
        let digest: StateDigest
        let listed: [ObservedTool]
        let pins: [ToolPin]
    }

    /// Servers remembered at most: a proxy serves one, so more means churn, not reuse.
    static let capacity = 16
    private var entries: [String: Entry] = [:]

    package init() {}

    /// The pins read for exactly this list (names and hashes, in order) under exactly this state.
    func pins(server: String, tools: [ObservedTool], digest: StateDigest) -> [ToolPin]? {
        guard let e = entries[server], e.digest == digest, e.listed.count == tools.count else { return nil }
        for (a, b) in zip(e.listed, tools) where a.name != b.name || a.hash != b.hash { return nil }
        return e.pins
    }

    /// Whether a list of this server is remembered (what tests check the memo is used by).
    package func remembers(server: String) -> Bool { entries[server] != nil }

    func remember(server: String, tools: [ObservedTool], digest: StateDigest, pins: [ToolPin]) {
        if entries[server] == nil, entries.count >= Self.capacity { entries.removeAll() }
        entries[server] = Entry(digest: digest, listed: tools, pins: pins)
    }
}
