import WardenCore

/// Activity runtimes report (proxies, hooks, simulators): tool calls, their outcomes, instance
/// lifecycles. Not governed state, not journaled. Each call is one transaction; a call's `seq`
/// follows the change feed's cursor contract.
public protocol ActivityRecording: AnyObject {
    /// Stores tool calls in one transaction; returns their sequence numbers.
    @discardableResult
    func recordCalls(_ calls: [ToolCall]) throws(StoreError) -> [Int64]
    /// Stores one call under the runtime's key for it (a hook's session and tool-use ID), so its
    /// outcome can be recorded on the same call later; returns its sequence number.
    func recordCall(_ call: ToolCall, key: CallKey) throws(StoreError) -> Int64
    /// Records how the keyed call ended (duration from the call's time to `at`) on that call and
    /// advances the outcome cursor; nil when no call of `credentialID` has the key.
    func recordOutcome(key: CallKey, credentialID: String, result: ToolCall.Result,
                       at: Timestamp) throws(StoreError) -> ToolCall?
    /// Applies instance lifecycle events in one transaction.
    func recordInstanceEvents(_ events: [InstanceEvent]) throws(StoreError)
    /// The most records one `recordCalls` or `recordInstanceEvents` may carry: a write is all
    /// or nothing, so a writer that retries a failed one sends exactly what did not go in.
    var recordsPerWrite: Int { get }
}

extension ActivityRecording {
    /// A store's own transaction takes any number.
    public var recordsPerWrite: Int { .max }
}
