import WardenCore
import WardenStore

/// A long-running dashboard prunes the store by the retention policy once an hour, on its
/// effect runner's thread (never the input path). The clock is passed in, so tests drive it.
struct RetentionSchedule {
    static let periodMs: Int64 = 3_600_000
    /// The first prune comes an hour after the dashboard started: a quick look never prunes.
    private var last: Timestamp

    init(startedAt: Timestamp) { last = startedAt }

    func isDue(now: Timestamp) -> Bool { now - last >= Self.periodMs }

    /// Prunes when due (and the store is writable); nil when it did not run.
    mutating func runIfDue(_ store: any FleetReader & OperatorActions, policy: Policy, now: Timestamp) throws(StoreError) -> PruneCounts? {
        guard isDue(now: now), !store.isReadOnly else { return nil }
        last = now
        return try store.prune(callsBefore: now - policy.retainCallsMs,
                               instancesStoppedBefore: now - policy.retainInstancesMs, batch: store.pruneBatch)
    }
}
