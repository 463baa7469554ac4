import WardenCore
import WardenStore

/// Reads snapshots from a store. Keeps the previous one so calls are read incrementally
/// (by sequence high-water mark) and an unchanged store costs one cheap query.
public final class SnapshotLoader {
    let store: FleetStore
    private var last: FleetSnapshot?
    /// Recent calls kept in memory for the Calls view and per-agent detail.
    public static let callWindow = 5_000
    public static let auditWindow = 2_000

    public init(store: FleetStore) { self.store = store }

    /// A new snapshot if the store changed since the last one (or `force`), else nil.
    public func load(now: Timestamp, force: Bool = false) throws(StoreError) -> FleetSnapshot? {
        let counter = try store.changeCounter()
        if !force, let last, last.counter == counter { return nil }
        var calls = last?.calls ?? []
        let after = calls.last?.seq ?? 0
        let fresh = try store.calls(CallQuery(afterSeq: after, limit: Self.callWindow))
        calls.append(contentsOf: fresh.reversed())
        if calls.count > Self.callWindow { calls.removeFirst(calls.count - Self.callWindow) }
        var audit = last?.audit ?? []
        let newAudit = try store.auditRecords(afterSeq: audit.last?.seq ?? 0, limit: Self.auditWindow)
        audit.append(contentsOf: newAudit)
        if audit.count > Self.auditWindow { audit.removeFirst(audit.count - Self.auditWindow) }
        var auditState = last?.auditState
        if auditState == nil || !newAudit.isEmpty { auditState = try store.verifyAudit(expectedHead: nil) }
        let snap = FleetSnapshot(trustDomain: try store.trustDomain(), principals: try store.principals(),
                                 agents: try store.agents(), credentials: try store.credentials(agentID: nil),
                                 instances: try store.instances(agentID: nil), calls: calls,
                                 minutes: try store.callMinutes(since: now - Int64(FleetIndex.sparkMinutes) * 60_000),
                                 audit: audit, auditState: auditState, counter: counter, loadedAt: now)
        last = snap
        return snap
    }
}
