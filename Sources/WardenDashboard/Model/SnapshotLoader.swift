import WardenCore
import WardenStore

/// Reads snapshots from a store, incrementally: rows by version (only what was inserted or
/// updated since the last read), calls and journal records by sequence, per-minute counts for
/// the current minutes only. An unchanged store costs one cheap query.
///
/// The first load comes in two steps so the first frame never waits for the whole store: the
/// tree (principals and agents) first, marked `pending` for the rest; the next load brings
/// credentials, instances, activity and the journal (BENCHMARKS.md has the times). A large
/// store takes one more step before them: the first screen's subtrees (`loadFirstScreen`).
public final class SnapshotLoader {
    let store: FleetStore
    private var snap: FleetSnapshot?
    /// Row versions read up to; nil for kinds not read yet.
    private var versions = RowVersions(structure: nil, credentials: nil, instances: nil)
    private var agentPos: [String: Int] = [:]
    private var principalPos: [String: Int] = [:]
    private var credentialPos: [String: Int] = [:]
    private var instancePos: [String: Int] = [:]
    /// How far the outcomes recorded on calls after they were decided have been read.
    private var outcomeCursor: Int64 = 0
    private var minutesReloadedAt: Timestamp = 0
    /// When the governed state was last recomputed against the journal.
    private var stateCheckedAt: Timestamp = 0
    /// When the Tools view's last hour of calls per tool was last counted.
    private var toolActivityAt: Timestamp = 0
    /// How often a changing store has its governed state recomputed (a full read of principals,
    /// agents and credentials), besides after every new journal record. An edit behind Warden's
    /// back stamps no row version, so only this recheck can notice it.
    public static let stateRecheckMs: Int64 = 60_000
    /// New journal records arrived and the journal and governed state are not verified since:
    /// load again at once. The records' changes are shown first (a full state check reads every
    /// governed row: seconds on a large PostgreSQL fleet), the verdicts a load later.
    public private(set) var checksDue = false
    /// Recent calls kept in memory for the Calls view, per-agent detail and the findings, which
    /// look at exactly their window of calls.
    public static let callWindow = FindingsEngine.callWindow
    public static let auditWindow = 2_000
    /// How often calls per tool over the last hour are recounted while calls arrive, and how
    /// often at most while they do not (the hour slides).
    public static let toolActivityBusyMs: Int64 = 5_000
    public static let toolActivityIdleMs: Int64 = 60_000

    /// Rows replaced or appended since `takeChanges` last ran (positions; principals by ID):
    /// what the findings are recomputed for.
    private var changedSinceTaken = FindingsCache.Changes()
    /// Loads whose change to principals or agents was patched into the index (not rebuilt).
    private(set) var structurePatches = 0

    /// Above this many agents (the store's bound) the first frame shows only the first
    /// principals' subtrees: reading and indexing every agent costs 2–5 µs each, so the whole
    /// tree past ~20,000 agents no longer fits in a few frames, while the extra step costs
    /// milliseconds. Settable for tests.
    public var firstScreenAbove = 20_000
    /// Agents enough for a screen or two: whole principals are read until they hold this many.
    public var firstScreenAgents = 2_000
    /// Principals read one by one at most for the first screen (more rows than a screen shows).
    static let firstScreenPrincipals = 200

    public init(store: FleetStore) { self.store = store }

    /// What changed since the last call, for `FindingsCache`; `usage` as the caller says.
    public func takeChanges(usage: Bool) -> FindingsCache.Changes {
        var c = changedSinceTaken
        c.usage = usage
        changedSinceTaken = FindingsCache.Changes()
        return c
    }

    /// A new snapshot if the store changed since the last one (or `force`, or `checksDue`),
    /// else nil. While the returned snapshot has `pending` parts or `checksDue` is set, load
    /// again at once for the rest. `beforeIndexing` is given the load that completes a first
    /// snapshot as soon as its rows, calls and tool pins are read: before the per-minute counts,
    /// the hour's tool activity and the journal are, and before its index is built (together
    /// the longer part of that load). Work that needs the rows and not those (the first
    /// findings) starts beside them; that snapshot is still `pending`.
    public func load(now: Timestamp, force: Bool = false,
                     beforeIndexing: ((FleetSnapshot) -> Void)? = nil) throws(StoreError) -> FleetSnapshot? {
        let counter = try store.changeSignal()
        if !force, !checksDue, let snap, snap.counter == counter, snap.pending.isEmpty { return nil }
        guard var s = snap else {
            return try store.agentCountBound() > firstScreenAbove ? loadFirstScreen(now: now, counter: counter) : loadTree(now: now, counter: counter)
        }
        // After the first screen's subtrees: the whole tree, then the rest as for any store.
        if s.pending.contains(.structure) { return try loadTree(now: now, counter: counter) }
        var parts: SnapshotParts = []
        let completing = !s.pending.isEmpty

        var rows = try store.changedRows(after: RowVersions(structure: versions.structure ?? 0,
                                                            credentials: versions.credentials ?? 0,
                                                            instances: versions.instances ?? 0))
        versions = .all(after: rows.version)
        // What was replaced and appended, so the index is patched rather than rebuilt.
        var principalChange: RowChange?, agentChange: RowChange?, credentialChange: RowChange?
        // IDs in rows share the strings already held (the agent's, its principal's, its
        // delegator's; a replaced row keeps its own): a large fleet would otherwise hold several
        // copies of every ID.
        let forest = s.index.forest
        var lookup = AgentLookup()
        func shared(_ id: String) -> String { lookup.position(id, in: forest.index).map { forest.agents[$0].id } ?? id }
        func sharedMinute(_ m: CallMinute) -> CallMinute {
            CallMinute(agentID: shared(m.agentID), minute: m.minute, calls: m.calls, denied: m.denied)
        }
        let structureRows = !rows.principals.isEmpty || !rows.agents.isEmpty
        if structureRows {
            parts.insert(.structure)
            // Held principals keep their positions (replaced in place, new ones appended).
            let principalIndex = s.index.principalIndex
            func sharedPrincipal(_ id: String) -> String { principalIndex[id].map { s.principals[$0].id } ?? id }
            for i in rows.principals.indices { rows.principals[i].id = sharedPrincipal(rows.principals[i].id) }
            var from = s.principals.count
            var r = Self.upsert(rows.principals.map(DisplayText.clip), into: &s.principals, positions: &principalPos) { $0.id }
            principalChange = Self.rowChange(r, from: from)
            for i in rows.agents.indices {
                DisplayText.clip(&rows.agents[i])
                rows.agents[i].id = shared(rows.agents[i].id)
                rows.agents[i].principalID = sharedPrincipal(rows.agents[i].principalID)
                rows.agents[i].parentID = rows.agents[i].parentID.map(shared)
            }
            from = s.agents.count
            r = Self.upsert(rows.agents, into: &s.agents, positions: &agentPos) { $0.id }
            agentChange = Self.rowChange(r, from: from)
            changedSinceTaken.agents.append(contentsOf: r.updated)
            changedSinceTaken.principals.append(contentsOf: (principalChange?.replaced ?? Array(s.principals.indices)).map { s.principals[$0].id })
        }
        // Rows are fixed up in place and dropped once taken: a whole first read holds 300,000
        // instances, and every extra copy of them is tens of megabytes at the peak.
        // Heartbeats only update instances already held: their index is patched, not rebuilt.
        var heartbeats: [Int]?
        if !rows.instances.isEmpty {
            parts.insert(.instances)
            for i in rows.instances.indices {
                rows.instances[i] = DisplayText.clip(rows.instances[i])
                rows.instances[i].agentID = shared(rows.instances[i].agentID)
            }
            let r = Self.upsert(rows.instances, into: &s.instances, positions: &instancePos) { $0.id }
            changedSinceTaken.instances.append(contentsOf: r.updated)
            rows.instances = []
            if !r.appended { heartbeats = r.updated }
        }
        if !rows.credentials.isEmpty {
            parts.insert(.credentials)
            for i in rows.credentials.indices { rows.credentials[i].agentID = shared(rows.credentials[i].agentID) }
            let from = s.credentials.count
            let r = Self.upsert(rows.credentials, into: &s.credentials, positions: &credentialPos) { $0.id }
            credentialChange = Self.rowChange(r, from: from)
            changedSinceTaken.credentials.append(contentsOf: r.updated)
            rows.credentials = []
        }

        let fresh = try store.calls(CallQuery(afterSeq: s.calls.last?.seq ?? 0, limit: Self.callWindow))
        if !fresh.isEmpty {
            parts.insert(.activity)
            s.calls.append(contentsOf: fresh.reversed().map(DisplayText.clip))
            if s.calls.count > Self.callWindow { s.calls.removeFirst(s.calls.count - Self.callWindow) }
        }
        // A call already held may since have got its outcome (a hook's PostToolUse): its `seq`
        // does not move, so outcomes come by their own cursor and replace the held call.
        let outcomes = try store.callOutcomes(after: outcomeCursor, limit: Self.callWindow)
        outcomeCursor = outcomes.cursor
        for c in outcomes.calls {
            if let i = Self.position(ofSeq: c.seq, in: s.calls) {
                s.calls[i] = DisplayText.clip(c)
                parts.insert(.activity)
            }
        }
        // The first findings need the rows, the calls and the pins, not what is read below (the
        // per-minute counts, the hour's tool activity, the journal) nor the index: they start now.
        var toolsRead = false
        if completing, let beforeIndexing {
            try loadTools(&s.tools)
            toolsRead = true
            beforeIndexing(s)
        }
        // Per-minute counts: past minutes are settled, so only the last two are re-read, with a
        // full re-read of the window once a minute for late writes. Between full re-reads the
        // rates are patched with what the two minutes held before and hold now.
        let window = now - Int64(FleetIndex.sparkMinutes) * 60_000
        var minuteChange: (removed: [CallMinute], added: [CallMinute])?
        if now - minutesReloadedAt > 60_000 || completing {
            s.minuteBuckets = Dictionary(grouping: try store.callMinutes(since: window).map(sharedMinute), by: \.minute)
            minutesReloadedAt = now
            parts.insert(.activity)
        } else if !fresh.isEmpty || now / 60_000 != s.loadedAt / 60_000 {
            let from = (now / 60_000 - 1) * 60_000
            var removed: [CallMinute] = []
            for m in s.minuteBuckets.keys where m * 60_000 < window || m * 60_000 >= from {
                removed.append(contentsOf: s.minuteBuckets.removeValue(forKey: m)!)
            }
            let added = try store.callMinutes(since: from).map(sharedMinute)
            for (m, entries) in Dictionary(grouping: added, by: \.minute) { s.minuteBuckets[m, default: []].append(contentsOf: entries) }
            minuteChange = (removed, added)
            parts.insert(.activity)
        }

        let newAudit = try store.auditRecords(afterSeq: s.audit.last?.seq ?? 0, limit: Self.auditWindow)
        if !newAudit.isEmpty {
            parts.insert(.audit)
            s.audit.append(contentsOf: newAudit.map(DisplayText.clip))
            if s.audit.count > Self.auditWindow { s.audit.removeFirst(s.audit.count - Self.auditWindow) }
        }
        // New records are verified on the load after them, and so is the first whole load: its
        // findings go out first (a whole check of the state hashes every governed row), then the
        // journal and the state are verified at once (`checksDue`).
        let verify = !completing && (checksDue || s.auditState == nil || s.stateCheck == nil)
        checksDue = completing || (!newAudit.isEmpty && !verify)
        if verify {
            parts.insert(.audit)
            s.auditState = try store.verifyAudit(expectedHead: nil)
        }
        var rechecked = false
        if verify || (!completing && now - stateCheckedAt >= Self.stateRecheckMs) {
            let check = try store.verifyState()
            if check != s.stateCheck { parts.insert(.audit) }
            s.stateCheck = check
            stateCheckedAt = now
            rechecked = true
        }
        // Pins are governed state and every change to them is journaled (no row versions are
        // read for them): they are read again when a tool record arrives, and at each recheck
        // of the state, which is what notices an edit behind Warden's back.
        if !toolsRead && (completing || newAudit.contains(where: { $0.action.hasPrefix("tool") }) || (rechecked && newAudit.isEmpty)) {
            let before = s.tools.pins
            try loadTools(&s.tools)
            if completing || s.tools.pins != before { parts.insert(.tools) }
        }
        let sinceActivity = now - toolActivityAt
        if completing || sinceActivity >= Self.toolActivityIdleMs || (!fresh.isEmpty && sinceActivity >= Self.toolActivityBusyMs) {
            let counts = try store.toolActivity(since: now - 3_600_000).mapValues { ToolActivityCount(calls: $0.calls, denied: $0.denied) }
            toolActivityAt = now
            if counts != s.tools.activity {
                s.tools.activity = counts
                parts.insert(.tools)
            }
        }

        // A few rows, read on every change (a service beats every few seconds); the header
        // ages them by the clock, so a service that went silent shows without a change.
        let services = try store.services().map(DisplayText.clip)
        if services != s.services {
            s.services = services
            parts.insert(.services)
        }

        if completing {
            // Everything derived is built now, as for a whole first load.
            s.pending = []
            parts = .all
        }
        s.counter = counter
        s.loadedAt = now
        s.changed = parts
        var rest = parts
        // Parts a patch of the structure left to rebuild whole.
        var rebuild: SnapshotParts = []
        if rest.contains(.structure) {
            // Completing a first load changes no agent by itself: the tree's index stands, and
            // only what the first frame went without (search, name order, scopes) is built.
            var patched = !structureRows
            if structureRows, let pc = principalChange, let ac = agentChange,
               s.index.patchStructure(principals: s.principals, agents: s.agents, principalChange: pc, agentChange: ac,
                                      ready: !completing && s.pending.isEmpty) {
                patched = true
                structurePatches += 1
                if ac.appendedFrom < s.agents.count && !completing {
                    let followed = s.index.followAppendedAgents(credentials: s.credentials, instances: s.instances)
                    if !followed.credentials { rebuild.insert(.credentials) }
                    if !followed.instances { rebuild.insert(.instances) }
                    // Per-agent counts are sized by the agents: counted again.
                    rebuild.insert(.activity)
                }
                // Tool coverage follows statuses and effective scopes.
                rebuild.insert(.tools)
            }
            if patched {
                rest.remove(.structure)
                if completing { s.index.rebuildSearch(agents: s.agents, ready: true) }
                rest.formUnion(rebuild)
            }
        }
        if !rest.contains(.structure) && !completing {
            if let cc = credentialChange, !rebuild.contains(.credentials), s.index.patchCredentials(s.credentials, cc) {
                rest.remove(.credentials)
            }
            if let heartbeats, !rebuild.contains(.instances) {
                s.index.updateInstances(at: heartbeats, s.instances)
                rest.remove(.instances)
            }
            if let (removed, added) = minuteChange, !rebuild.contains(.activity), s.index.patchActivity(removed: removed, added: added, fresh: fresh, calls: s.calls, now: now) {
                rest.remove(.activity)
            }
        }
        s.reindex(rest)
        snap = s
        return parts.isEmpty && !force ? nil : s
    }

    /// Pins, servers and policies, and the definitions a reviewer compares (a definition never
    /// changes under its hash: those already held are kept, not read again).
    private func loadTools(_ t: inout ToolsSnapshot) throws(StoreError) {
        let pins = try store.toolPins(server: nil).map(DisplayText.clip)
        var definitions: [String: ToolDefinitionText] = [:]
        for p in pins {
            for hash in [p.hash, ToolsSnapshot.approvedHash(p)].compactMap({ $0 }) where definitions[hash] == nil {
                if let held = t.definitions[hash] {
                    definitions[hash] = held
                } else if let text = try store.toolDefinition(hash: hash) {
                    definitions[hash] = ToolDefinitionText(canonical: text)
                }
            }
        }
        let before = t
        t = ToolsSnapshot(pins: pins, servers: try store.toolServers(), policies: try store.toolPolicies(),
                          definitions: definitions, activity: t.activity)
        // Re-read at each state recheck: unchanged pins keep their coverage (it was emptied
        // here and rebuilt only when the pins changed, so the Tools view lost it after a minute).
        t.keepCoverage(of: before)
    }

    /// The positions `upsert` reported as a patch: nil where a row was both appended and replaced
    /// in one batch (the index is rebuilt then).
    static func rowChange(_ r: (updated: [Int], appended: Bool), from: Int) -> RowChange? {
        r.updated.contains { $0 >= from } && from > 0 ? nil : RowChange(replaced: from == 0 ? [] : r.updated, appendedFrom: from)
    }

    /// Where the call with sequence `seq` is in `calls` (ascending by seq), if held.
    static func position(ofSeq seq: Int64, in calls: [ToolCall]) -> Int? {
        var lo = 0, hi = calls.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if calls[mid].seq < seq { lo = mid + 1 } else { hi = mid }
        }
        return lo < calls.count && calls[lo].seq == seq ? lo : nil
    }

    /// A large store's first step: every principal (the tree's roots) and the agents of the
    /// first principals in ID order, whole principals only, so each subtree shown is complete
    /// and its counts are true. `.structure` stays pending: the next load reads the whole tree.
    /// Row versions are not taken from this read (only the whole read sets them).
    private func loadFirstScreen(now: Timestamp, counter: Int64) throws(StoreError) -> FleetSnapshot {
        var s = FleetSnapshot.empty
        s.trustDomain = try store.trustDomain()
        s.principals = try store.principals().map(DisplayText.clip)
        var agents: [Agent] = []
        var read = 0
        while read < s.principals.count, read < Self.firstScreenPrincipals, agents.count < firstScreenAgents {
            let id = s.principals[read].id
            var rows = try store.agents(ofPrincipal: id)
            for i in rows.indices {
                DisplayText.clip(&rows[i])
                rows[i].principalID = id
            }
            agents.append(contentsOf: rows)
            read += 1
        }
        s.agents = agents
        s.principalsRead = read
        return finishTree(&s, pending: [.structure], now: now, counter: counter)
    }

    /// The first step: principals and agents only, with what the tree needs derived.
    private func loadTree(now: Timestamp, counter: Int64) throws(StoreError) -> FleetSnapshot {
        var s = FleetSnapshot.empty
        s.trustDomain = try store.trustDomain()
        var rows = try store.changedRows(after: RowVersions(structure: 0, credentials: nil, instances: nil))
        versions.structure = rows.version
        s.principals = rows.principals.map(DisplayText.clip)
        // Agents share their principal's ID string (a hundred principals, 100,000 copies).
        // Fixed up in place: a copy of a million agents is most of the first frame's time.
        var principalIDs: [String: String] = [:]
        for p in s.principals { principalIDs[p.id] = p.id }
        for i in rows.agents.indices {
            DisplayText.clip(&rows.agents[i])
            if let id = principalIDs[rows.agents[i].principalID] { rows.agents[i].principalID = id }
        }
        s.agents = rows.agents
        rows.agents = []
        s.principalsRead = s.principals.count
        return finishTree(&s, pending: [], now: now, counter: counter)
    }

    /// A first tree: marked pending for the rest of the store, indexed, kept.
    private func finishTree(_ s: inout FleetSnapshot, pending: SnapshotParts, now: Timestamp, counter: Int64) -> FleetSnapshot {
        s.pending = pending.union([.credentials, .instances, .activity, .audit, .tools])
        s.counter = counter
        s.loadedAt = now
        s.changed = .all
        s.reindex(.all)
        snap = s
        return s
    }

    /// Replaces rows with the same ID in place (their position is their order in the tree) and
    /// appends new ones. The first load takes the rows as they come and leaves `positions`
    /// empty; they are built here, once, the first time a later load brings rows of that kind
    /// (hashing every ID of a large store is too slow to do before the first frame).
    static func upsert<T, A: RangeReplaceableCollection & MutableCollection>(
        _ rows: [T], into array: inout A, positions: inout [String: Int], id: (T) -> String
    ) -> (updated: [Int], appended: Bool) where A.Element == T, A.Index == Int {
        if array.isEmpty {
            array = A(rows)
            positions = [:]
            return (Array(array.indices), true)
        }
        if positions.isEmpty {
            positions.reserveCapacity(array.count + rows.count)
            for (i, row) in array.enumerated() { positions[id(row)] = i }
        }
        var updated: [Int] = []
        var appended = false
        for row in rows {
            let key = id(row)
            if let at = positions[key] {
                array[at] = row
                updated.append(at)
            } else {
                positions[key] = array.count
                array.append(row)
                appended = true
            }
        }
        return (updated, appended)
    }
}
