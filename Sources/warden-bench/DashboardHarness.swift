import TerminalUI
import WardenCore
import WardenDashboard
import WardenStore
import WardenSystem

/// The dashboard's loop without a terminal: the store connection and snapshot loader the
/// effect runner owns, the state `update` changes, and the last frame `diff` compares with.
/// Every step here is what `DashboardApp` and `EffectRunner` do, in the same order.
final class DashboardHarness {
    static let width = 120
    static let height = 40

    let store: any FleetStore
    let loader: SnapshotLoader
    var state: DashboardState
    var previous: Buffer
    var usage: [String: Set<String>] = [:]
    let policy = Policy.standard
    /// Cells that changed in the last frame.
    var lastChanges = 0

    /// Time of each step of the first frame, in ms.
    struct FirstFrame {
        var open = 0.0, usage = 0.0, load = 0.0, findings = 0.0, update = 0.0, render = 0.0, diff = 0.0
        /// The second step of the first load (credentials, instances, activity, journal) and its update.
        var rest = 0.0, restUpdate = 0.0
        /// A large store's first frame shows the first screen's subtrees: the load of the whole
        /// tree after it, its update and frame (0 on a store whose first frame is the whole tree).
        var tree = 0.0, treeUpdate = 0.0, treeRender = 0.0
        /// What the operator waits for: the runner posts the snapshot before it computes findings.
        var total: Double { open + load + update + render + diff }
        /// Until every principal's agents are shown.
        var wholeTree: Double { total + tree + treeUpdate + treeRender }
    }

    /// Opens the SQLite store at `path` and draws the first frame (tree view), timing each step.
    convenience init(path: String, now: Timestamp) throws {
        try self.init(backend: BenchStore.backend(path), location: path, now: now)
    }

    /// Opens the store through its backend and draws the first frame (tree view), timing each step.
    init(backend: any StoreBackend, location: String, now: Timestamp) throws {
        var f = FirstFrame()
        let (store, tOpen) = try timed { try backend.open(for: .dashboard(readOnly: false)) }
        f.open = tOpen
        self.store = store
        loader = SnapshotLoader(store: store)
        state = DashboardState(now: now, width: Self.width, height: Self.height, readOnly: false, operatorName: "bench",
                               storeLocation: location, theme: .builtin)
        previous = Buffer(width: 0, height: 0)
        // As the runner does: the first snapshot is drawn at once; tool usage and findings follow.
        let (snap, tLoad) = try timed { try loader.load(now: now, force: true)! }
        f.load = tLoad
        (_, f.update) = timed { Update.update(&state, .snapshot(snap, findings: [])) }
        let (buf, tRender) = timed { Screen.render(&state) }
        f.render = tRender
        (lastChanges, f.diff) = timed { buf.diff(from: Buffer(width: 0, height: 0)).count }
        previous = buf
        // The runner loads the rest at once (the whole tree first, when the first frame had
        // part of it), then computes findings.
        var full = snap
        if full.pending.contains(.structure) {
            (full, f.tree) = try timed { try loader.load(now: now)! }
            f.treeUpdate = timed { Update.update(&state, .snapshot(full, findings: [])) }.1
            (previous, f.treeRender) = timed {
                let whole = Screen.render(&state)
                _ = whole.diff(from: buf)
                return whole
            }
        }
        while !full.pending.isEmpty {
            let (next, tRest) = try timed { try loader.load(now: now)! }
            f.rest += tRest
            full = next
            f.restUpdate += timed { Update.update(&state, .snapshot(full, findings: [])) }.1
        }
        (usage, f.usage) = try timed { try store.toolUsage(since: now - policy.unusedScopeMs) }
        let (findings, tFind) = timed { evaluateFindings(full, now: now) }
        f.findings = tFind
        _ = Update.update(&state, .findings(findings))
        firstFrame = f
    }

    private(set) var firstFrame = FirstFrame()

    func evaluateFindings(_ snap: FleetSnapshot, now: Timestamp) -> [Finding] {
        FindingsEngine.evaluate(FindingsEngine.Input(principals: snap.principals, agents: snap.agents, credentials: snap.credentials,
                                                     instances: snap.instances, calls: snap.calls, usage: usage, now: now,
                                                     policy: policy), forest: snap.index.forest)
    }

    /// What the last `frame` asked for (the row builds it sent off the UI thread among them).
    var lastEffects: [Effect] = []

    /// Sends a message and draws the frame; returns the ms it took (update + view + diff).
    @discardableResult
    func frame(_ msg: Msg?) -> Double {
        let t0 = MonotonicClock.nanos()
        lastEffects = msg.map { Update.update(&state, $0) } ?? []
        let buf = Screen.render(&state)
        lastChanges = buf.diff(from: previous).count
        previous = buf
        return Double(MonotonicClock.nanos() - t0) / 1e6
    }

    /// Timing of one live frame, in ms.
    struct LiveFrame {
        var reload = 0.0, findings = 0.0, update = 0.0, render = 0.0, diff = 0.0
        var reloaded = false
        /// What the UI thread does: update + view + diff.
        var uiThread: Double { update + render + diff }
        /// Everything, including the snapshot reload the runner thread does when the store changed.
        var total: Double { reload + findings + uiThread }
    }

    /// One iteration of the live loop at `now`: reload if the change counter moved, tick, draw.
    func liveFrame(now: Timestamp) throws -> LiveFrame {
        var f = LiveFrame()
        let (snap, tLoad) = try timed { try loader.load(now: now) }
        f.reload = tLoad
        var t0 = MonotonicClock.nanos()
        if let snap {
            f.reloaded = true
            t0 = MonotonicClock.nanos()
            _ = Update.update(&state, .snapshot(snap, findings: state.findings))
            // As the runner does: findings are recomputed (off the UI thread) when agents or
            // credentials changed, not for calls and heartbeats.
            if !snap.changed.isDisjoint(with: [.structure, .credentials]) {
                let t = MonotonicClock.nanos()
                let (findings, tFind) = timed { evaluateFindings(snap, now: now) }
                f.findings = tFind
                _ = Update.update(&state, .findings(findings))
                t0 += MonotonicClock.nanos() - t
            }
        }
        _ = Update.update(&state, .tick(now))
        let t1 = MonotonicClock.nanos()
        let buf = Screen.render(&state)
        let t2 = MonotonicClock.nanos()
        lastChanges = buf.diff(from: previous).count
        let t3 = MonotonicClock.nanos()
        previous = buf
        f.update = Double(t1 - t0) / 1e6
        f.render = Double(t2 - t1) / 1e6
        f.diff = Double(t3 - t2) / 1e6
        return f
    }
}
