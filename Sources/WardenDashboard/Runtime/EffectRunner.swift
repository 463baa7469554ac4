import Glibc
import WardenCore
import WardenStore
import WardenSystem

/// Performs effects off the input path, on its own thread with its own store connection, and
/// answers with messages. Also polls the store's change counter every `refreshMs` and sends a
/// fresh snapshot when another process (or this one) committed. Public so `warden-bench` can
/// time the real loop (how long a dashboard takes to settle), not a copy of it.
public final class EffectRunner: @unchecked Sendable {
    private let inbox = Mailbox<Effect>()
    let outbox = Mailbox<Msg>()
    private let backend: any StoreBackend
    private let readOnly: Bool
    private let operatorName: String
    private let refreshMs: Int
    private let policy: Policy
    private let themeSearch: [String]
    private let lock = Lock()
    /// Where the listener waits before retrying a lost server; `stop` ends the wait.
    private let pause = Mailbox<Void>()
    private var stopped = false
    /// The loop's clock (findings, retention); tests pass their own.
    private let clock: @Sendable () -> Timestamp
    /// The loader's `firstScreenAbove` when set (before `start`): tests take a large store's path on a small one.
    var firstScreenAbove: Int?

    public init(store backend: any StoreBackend, readOnly: Bool, operatorName: String, refreshMs: Int, policy: Policy, themeSearch: [String],
         clock: @escaping @Sendable () -> Timestamp = { WallClock.now() }) {
        self.clock = clock
        self.backend = backend
        self.readOnly = readOnly
        self.operatorName = operatorName
        self.refreshMs = refreshMs
        self.policy = policy
        self.themeSearch = themeSearch
    }

    public func start() {
        BackgroundThread.start { [self] in run() }
    }

    func submit(_ effects: [Effect]) { for e in effects { inbox.post(e) } }

    /// Waits up to `ms` for the runner's messages, then takes every one queued.
    public func messages(waitMs ms: Int) -> [Msg] { outbox.wait(ms: ms) }

    public func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        inbox.post(.reload)  // wake it
        pause.post(())
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    private func run() {
        let store: any FleetStore
        do { store = try backend.open(for: .dashboard(readOnly: readOnly)) } catch {
            outbox.post(.storeFailed("cannot open the store: \(error)"))
            return
        }
        if store.notifiesChanges { startListener() }
        let loader = SnapshotLoader(store: store)
        if let firstScreenAbove { loader.firstScreenAbove = firstScreenAbove }
        var usage: [String: Set<String>] = [:]
        var usageAt: Int64 = 0
        var usageChanged = false
        var cache = FindingsCache()
        var findings: [Finding] = []
        var findingsAt: Int64 = 0
        var findingsCounter: Int64 = -1
        var changedSinceFindings: SnapshotParts = []
        /// The drift the last findings showed (`drift`), nil for none.
        var findingsStateCheck: StateCheck?
        var latest: FleetSnapshot?
        var force = true
        var unreachable = false
        var retention = RetentionSchedule(startedAt: clock())
        /// Large arrays were replaced since the heap was last trimmed (see below).
        var releaseDue = false
        while !isStopped {
            let waits = !force
            for effect in inbox.wait(ms: force ? 0 : refreshMs) {
                switch effect {
                case .reload: force = true
                case .planRevocation(let ref):
                    do { outbox.post(.revocationPlanned(ref, try store.revocationPlan(ref, now: WallClock.now()))) } catch {
                        outbox.post(.actionFinished("cannot count the blast radius: \(error)", failed: true))
                    }
                case .revoke(let ref, let reason):
                    outbox.post(revoke(store, ref, reason))
                    force = true
                case .narrow(let id, let keep, let reason):
                    let m = Mutation(operatorName: operatorName, now: WallClock.now(), reason: reason)
                    do {
                        let plan = try store.narrow(agentID: id, .keep(keep), m)
                        let (before, after) = (plan.target.before, plan.target.after)
                        let name = try store.agent(id)?.name ?? id
                        let n = plan.descendants.count
                        let below = n == 0 ? "" : n == 1 ? "; 1 descendant narrowed with it" : "; \(n) descendants narrowed with it"
                        outbox.post(.actionFinished("narrowed \(name): \(before) → \(after)\(below)", failed: false))
                    } catch { outbox.post(.actionFinished("narrow failed: \(error)", failed: true)) }
                    force = true
                case .decideTool(let request):
                    outbox.post(Self.decide(store, request, operatorName: operatorName, now: WallClock.now()))
                    force = true
                case .loadTheme(let name):
                    do { outbox.post(.themeLoaded(try ThemeLoader.load(named: name, searchPaths: themeSearch))) } catch {
                        outbox.post(.themeFailed("\(error)"))
                    }
                case .copy: break  // the terminal's own thread does it
                case .buildRows(let job):
                    // DashboardApp gives these to its row worker; built here for any other caller.
                    outbox.post(job.run())
                case .export(let path, let text, let rows):
                    outbox.post(Self.write(text, to: path, rows: rows))
                case .quit: return
                }
            }
            if isStopped { return }
            // Freed memory is handed back to the system after the loads that read a whole kind
            // of rows and after findings (each replaces arrays of every row), once the UI has
            // had a wait to drop what it held: glibc otherwise keeps it resident. At XL that
            // is ~100 MB after each findings round; a trim costs 0.1–2.3 ms there.
            if releaseDue && waits {
                ProcessMemory.releaseFree()
                releaseDue = false
            }
            let now = clock()
            do {
                // Hourly retention, between reloads: each batch is a short transaction.
                if try retention.runIfDue(store, policy: policy, now: now) != nil { force = true }
            } catch {
                outbox.post(.actionFinished("store prune failed: \(error)", failed: true))
            }
            do {
                // The first findings need the rows, not the index: they are evaluated on a thread
                // of their own while the load that completes the first snapshot builds its index
                // (at L each is about half a second of CPU).
                var first: Mailbox<(FindingsCache, [Finding])>?
                // Read once, before the load that completes the first snapshot (after the whole
                // tree, when a large store's first frame came before it).
                if findingsAt == 0, let tree = latest, !tree.pending.isEmpty, !tree.pending.contains(.structure) {
                    usage = tree.index.forest.sharingAgentIDs(try store.toolUsage(since: now - policy.unusedScopeMs))
                    usageAt = now
                }
                // Made only for the first findings: a closure holding the cache (every row's flags
                // and next event) through the load made each later evaluation copy all of it.
                let beside: ((FleetSnapshot) -> Void)? = findingsAt != 0 ? nil : { [policy, usage, cache] (rows: FleetSnapshot) in
                    let box = Mailbox<(FindingsCache, [Finding])>()
                    let changes = loader.takeChanges(usage: false)
                    let started = BackgroundThread.start {
                        var c = cache
                        let f = Self.findings(&c, rows, usage: usage, changes: changes, now: now, policy: policy)
                        box.post((c, f))
                    }
                    if started { first = box }
                }
                let wholeLoad = latest.map { !$0.pending.isEmpty } ?? true
                // The snapshot goes out first: the first frame never waits for findings.
                if let snap = try loader.load(now: now, force: force || unreachable, beforeIndexing: beside) {
                    outbox.post(.snapshot(snap, findings: findings))
                    releaseDue = releaseDue || wholeLoad
                    latest = snap
                    changedSinceFindings.formUnion(snap.changed)
                    if let first {
                        var done = first.wait(ms: 1_000)
                        while done.isEmpty { done = first.wait(ms: 1_000) }
                        (cache, findings) = done[0]
                        findingsAt = now
                        findingsCounter = snap.counter
                        findingsStateCheck = Self.drift(snap.stateCheck)
                        changedSinceFindings = []
                        outbox.post(.findings(findings))
                    }
                }
                if unreachable {
                    unreachable = false
                    outbox.post(.storeReachable)
                }
                // A first snapshot with the tree alone: the rest is read at once, findings after.
                let pending = !(latest?.pending.isEmpty ?? true)
                force = pending || loader.checksDue
                // Findings follow agents and credentials at once, other changes (heartbeats, calls)
                // within 5 s, and the clock alone (staleness) once a minute, so an idle dashboard
                // stays idle. What changed since the findings counts, not the last load alone.
                let changeDue = !changedSinceFindings.isDisjoint(with: [.structure, .credentials]) && latest?.counter != findingsCounter
                // A change's findings go out before the load that verifies its journal record
                // (a whole state check: seconds at L); a verdict that changes them (a drift, or
                // the end of one) is followed at once. A consistent verdict changes no finding:
                // evaluating again for each new digest cost a whole round after every change.
                if pending || (force && !changeDue) { continue }
                if let snap = latest, findingsAt == 0 || changeDue || Self.drift(snap.stateCheck) != findingsStateCheck
                    || (snap.counter != findingsCounter && now - findingsAt > 5_000)
                    || now - findingsAt > 60_000 {
                    // Unused scopes span days; the usage scan runs every five minutes.
                    if now - usageAt > 300_000 {
                        let fresh = snap.index.forest.sharingAgentIDs(try store.toolUsage(since: now - policy.unusedScopeMs))
                        usageChanged = usageChanged || fresh != usage
                        usage = fresh
                        usageAt = now
                    }
                    // Only what changed since the last findings is evaluated again (and what
                    // the clock moved past); the first time, everything.
                    findings = Self.findings(&cache, snap, usage: usage, changes: loader.takeChanges(usage: usageChanged), now: now, policy: policy)
                    usageChanged = false
                    findingsAt = now
                    findingsCounter = snap.counter
                    findingsStateCheck = Self.drift(snap.stateCheck)
                    changedSinceFindings = []
                    outbox.post(.findings(findings))
                    releaseDue = true
                }
            } catch {
                // Not fatal: the last snapshot stays up, the next round retries (the connection
                // reconnects) and then reads by cursor whatever it missed.
                unreachable = true
                outbox.post(.storeUnreachable("store: \(error)"))
            }
        }
    }

    /// What of a state check the findings show: a drift (`state_drift` and its summary).
    static func drift(_ check: StateCheck?) -> StateCheck? { check?.isDrifted == true ? check : nil }

    static func findings(_ cache: inout FindingsCache, _ snap: FleetSnapshot, usage: [String: Set<String>],
                         changes: FindingsCache.Changes, now: Timestamp, policy: Policy) -> [Finding] {
        let index = snap.index
        let forest = index.forest
        return cache.evaluate(FindingsEngine.Input(
            principals: snap.principals, agents: snap.agents, credentials: snap.credentials,
            instances: snap.instances, calls: snap.calls, usage: usage, now: now, policy: policy,
            stateCheck: snap.stateCheck, tools: snap.tools.pins, toolDefinitions: ToolDefinitionText.current(snap.tools)),
            forest: forest, effective: index.effective.count == forest.agents.count ? index.effective : forest.effectiveScopes(),
            changes: changes, owners: FindingsCache.Owners(credentials: { Array(index.credentialsByAgent[$0]) },
                                                          instances: { Array(index.instancesByAgent[$0]) }))
    }

    /// A second thread, on a store of its own, that blocks on the server's change announcements
    /// and wakes the loop at each: another connection's commit shows at once, not at the next
    /// poll (which still runs, in case an announcement is lost).
    private func startListener() {
        BackgroundThread.start { [self] in listen() }
    }

    private func listen() {
        var store: (any FleetStore)?
        while !isStopped {
            do {
                let s = try store ?? backend.open(for: .dashboard(readOnly: true))
                store = s
                if try s.waitForChange(timeoutMs: refreshMs) { inbox.wake() }
            } catch {
                // The server is away: the loop reports it; try again at the polling rate.
                _ = pause.wait(ms: refreshMs)
            }
        }
    }

    private func revoke(_ store: any FleetStore, _ ref: EntityRef, _ reason: String?) -> Msg {
        let m = Mutation(operatorName: operatorName, now: WallClock.now(), reason: reason)
        do {
            switch ref {
            case .agent(let id):
                let plan = try store.revokeAgent(id, m)
                let name = try store.agent(id)?.name ?? id
                return .actionFinished("revoked \(name): \(Plural.count(plan.agents.count, "agent")), \(Plural.count(plan.credentials.count, "credential"))", failed: false)
            case .credential(let id):
                _ = try store.revokeCredential(id, m)
                return .actionFinished("revoked credential \(id)", failed: false)
            case .principal(let id):
                let plan = try store.disablePrincipal(id, m)
                return .actionFinished("disabled \(id): \(Plural.count(plan.agents.count, "agent")), \(Plural.count(plan.credentials.count, "credential")) revoked", failed: false)
            }
        } catch {
            return .actionFinished("revoke failed: \(error)", failed: true)
        }
    }

    /// Approves or rejects the definition the dialog showed. The store decides on the hash it is
    /// given even when the server has listed another since, so the current hash is read first:
    /// a definition that moved is refused here, and whatever races past this read, only the
    /// definition the operator saw is ever approved.
    static func decide(_ store: any FleetStore, _ r: ToolDecisionRequest, operatorName: String, now: Timestamp) -> Msg {
        let name = r.server + "/" + r.tool
        let verb = r.verdict == .approved ? "approve" : "reject"
        do {
            guard let pin = try store.toolPin(server: r.server, tool: r.tool), pin.goneAt == nil else {
                return .actionFinished("\(verb) refused: \(name) is no longer listed by its server", failed: true)
            }
            guard pin.hash == r.hash else {
                return .actionFinished("\(verb) refused: \(name) changed to \(pin.hash.prefix(12)) since the dialog showed \(r.hash.prefix(12)); review it again", failed: true)
            }
            let m = Mutation(operatorName: operatorName, now: now, reason: r.reason)
            let after = r.verdict == .approved ? try store.approveTool(server: r.server, tool: r.tool, hash: r.hash, m)
                : try store.rejectTool(server: r.server, tool: r.tool, hash: r.hash, m)
            return .actionFinished("\(r.verdict.rawValue) \(name) (\(r.hash.prefix(12))): now \(after.status.rawValue)", failed: false)
        } catch {
            return .actionFinished("\(verb) failed: \(error)", failed: true)
        }
    }

    /// Writes an export; the answer is a flash either way, never a crash.
    static func write(_ text: String, to path: String, rows: Int) -> Msg {
        let full = path.hasPrefix("~/") ? ProcessEnvironment.home() + String(path.dropFirst(1)) : path
        // POSIX calls, so the message is the system's own ("No such file or directory").
        func failed() -> Msg { .actionFinished("export to \(path) failed: \(String(cString: strerror(errno)))", failed: true) }
        let fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return failed() }
        let bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                let msg = failed()
                close(fd)
                return msg
            }
            done += n
        }
        guard close(fd) == 0 else { return failed() }
        return .actionFinished("exported \(rows) \(rows == 1 ? "row" : "rows") to \(path)", failed: false)
    }
}
