import Dispatch
import Glibc
import Synchronization
import WardenCore
import WardenStore
import WardenSystem

/// `warden simulate [--agents N] [--rate CALLS_PER_S] [--duration DUR] [--seed N] [--host NAME]`.
public enum SimulateCommand {
    static let interrupted = Atomic<Bool>(false)

    /// Stops a running simulation (as SIGINT does).
    public static func requestStop() { interrupted.store(true, ordering: .relaxed) }

    /// Bootstraps a fleet when the store has none (or fewer agents than `agents`), then writes
    /// activity until `durationMs` passes or SIGINT/SIGTERM. Exit 0, or 2 when the store fails.
    public static func run(store: any SimulatorStore, agents: Int? = nil, rate: Double = 20, host: String? = nil,
                           durationMs: Int64? = nil, seed: UInt64? = nil, operatorName: String = "simulator",
                           stdout: (String) -> Void, stderr: (String) -> Void) -> Int32 {
        if let agents, agents < 1 || agents > 100_000 {
            stderr("warden simulate: --agents must be between 1 and 100000\n")
            return 1
        }
        if !(rate >= 0 && rate <= 100_000) {
            stderr("warden simulate: --rate must be between 0 and 100000 calls per second\n")
            return 1
        }
        interrupted.store(false, ordering: .relaxed)
        let previousInt = signal(SIGINT) { _ in SimulateCommand.interrupted.store(true, ordering: .relaxed) }
        let previousTerm = signal(SIGTERM) { _ in SimulateCommand.interrupted.store(true, ordering: .relaxed) }
        defer {
            signal(SIGINT, previousInt)
            signal(SIGTERM, previousTerm)
        }
        let seed = seed ?? UInt64(truncatingIfNeeded: WallClock.now()) ^ UInt64(getpid())
        let sim = FleetSimulator(store: store, seed: seed, rate: rate, agents: agents, operatorName: operatorName, host: host)
        do {
            let start = WallClock.now()
            let boot = try sim.bootstrap(now: start)
            let until = durationMs.map { start + $0 }
            stdout("simulating \(boot) at \(formatRate(rate)) calls/s"
                   + (durationMs.map { " for \(DurationText.canonical($0))" } ?? "; Ctrl-C to stop") + " (seed \(seed))\n")
            let total = try sim.run(until: until, clock: WallClock.now, sleep: { usleep(UInt32($0) * 1000) },
                                    shouldStop: { interrupted.load(ordering: .relaxed) })
            stdout("simulated \(total)\n")
            return 0
        } catch {
            stderr("warden simulate: \(error.description)\n")
            return 2
        }
    }

    static func formatRate(_ r: Double) -> String {
        r == r.rounded() ? String(Int(r)) : String(r)
    }
}

/// A change the demo makes once, some time into the run, on the simulator's connection (a
/// server's tool list changing under a proxy).
public struct ScheduledChange: Sendable {
    public let afterMs: Int64
    public let apply: @Sendable (any FleetStore, Timestamp) throws -> Void
    public init(afterMs: Int64, apply: @escaping @Sendable (any FleetStore, Timestamp) throws -> Void) {
        self.afterMs = afterMs
        self.apply = apply
    }
}

/// A simulator on its own thread with its own store connection (the demo's live fleet).
public final class SimulatorThread: @unchecked Sendable {
    private let stopFlag = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let lock = Lock()
    private var _totals = TickSummary()
    private var _error: String?
    private var _bootstrap: BootstrapSummary?

    /// Opens its own connection to `store`, bootstraps and ticks every `tickMs` until `stop()`. `clock` is the
    /// fleet's time (the wall clock in the demo; tests anchor it to their fixtures' time).
    public static func start(store backend: any StoreBackend, seed: UInt64, rate: Double = 20, agents: Int? = nil,
                             operatorName: String = "simulator", tickMs: Int = 100, scheduled: ScheduledChange? = nil,
                             clock: @escaping @Sendable () -> Timestamp = WallClock.now) -> SimulatorThread {
        let t = SimulatorThread()
        BackgroundThread.start { [t] in
            defer { t.finished.signal() }
            do {
                let store = try backend.open(for: .operations(readOnly: false))
                let sim = FleetSimulator(store: store, seed: seed, rate: rate, agents: agents, operatorName: operatorName)
                let started = clock()
                var change = scheduled
                let boot = try sim.bootstrap(now: started)
                t.lock.withLock { t._bootstrap = boot }
                while !t.stopFlag.load(ordering: .relaxed) {
                    if let c = change, clock() - started >= c.afterMs {
                        try c.apply(store, clock())
                        change = nil
                    }
                    let s = try sim.tick(now: clock())
                    t.lock.withLock { t._totals += s }
                    var slept = 0
                    while slept < tickMs && !t.stopFlag.load(ordering: .relaxed) {
                        usleep(UInt32(min(20, tickMs - slept)) * 1000)
                        slept += 20
                    }
                }
            } catch {
                t.lock.withLock { t._error = "\(error)" }
            }
        }
        return t
    }

    /// Stops and waits for the thread to finish its tick.
    public func stop() {
        stopFlag.store(true, ordering: .relaxed)
        finished.wait()
        finished.signal()  // later calls return at once
    }

    public var totals: TickSummary { lock.withLock { _totals } }
    public var bootstrap: BootstrapSummary? { lock.withLock { _bootstrap } }
    /// Why the simulator stopped on its own (a store failure), if it did.
    public var error: String? { lock.withLock { _error } }
}
