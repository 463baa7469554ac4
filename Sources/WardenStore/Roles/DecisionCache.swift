import Glibc
import WardenCore

/// What a store says its governed state is at one snapshot: equal versions, equal governed state
/// (principals, agents, grants, credentials, tool pins and pinning policy: everything
/// `Authorization.decide` reads). Tool calls, heartbeats, instances and telemetry never change
/// it. SQLite reads it as the state digest (exact: it hashes every governed row); PostgreSQL as
/// a counter its engine bumps with every governed statement.
public struct GovernanceVersion: Hashable, Sendable, CustomStringConvertible {
    let a: UInt64, b: UInt64, c: UInt64, d: UInt64

    /// 32 bytes (a state digest); nil for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        var words = [UInt64](repeating: 0, count: 4)
        for (i, byte) in bytes.enumerated() { words[i / 8] = words[i / 8] << 8 | UInt64(byte) }
        (a, b, c, d) = (words[0], words[1], words[2], words[3])
    }

    public init(counter: Int64) { (a, b, c, d) = (UInt64(bitPattern: counter), 0, 0, 0) }

    public var description: String { [a, b, c, d].map { String($0, radix: 16) }.joined(separator: ".") }
}

/// `authorize`'s answer with what it may be reused under: the governance version read in the
/// same snapshot as the facts, and the span of time in which no expiry along the chain falls.
public struct VersionedOutcome: Sendable {
    public let outcome: AuthorizationOutcome
    /// nil: the store cannot say (the answer is never reused).
    public let version: GovernanceVersion?
    public let stableFrom: Timestamp
    public let stableUntil: Timestamp?
    /// The outcome came from `reuse`, not from reading the facts.
    public let reused: Bool

    public init(outcome: AuthorizationOutcome, version: GovernanceVersion?, stableFrom: Timestamp = .min,
                stableUntil: Timestamp? = nil, reused: Bool = false) {
        self.outcome = outcome
        self.version = version
        self.stableFrom = stableFrom
        self.stableUntil = stableUntil
        self.reused = reused
    }
}

/// Decisions reused while nothing they depend on has changed: the one place that does so, for
/// the proxy, the gateway, the decision APIs and the bench. An entry (by the secret's hash and
/// the tool) holds the outcome, the governance version it was decided under and the span in
/// which no expiry falls; it is answered only when the store, read in the snapshot of this very
/// call, is at that version and the clock inside that span. So there is no window: a revoke
/// committed before the call changes the version the call reads, and the facts are read again.
/// Thread-safe: one cache serves a pool of connections to one store.
public final class DecisionCache: @unchecked Sendable {
    struct Key: Hashable {
        let secretHash: [UInt8]
        let serverTool: String
    }

    struct Entry {
        let outcome: AuthorizationOutcome
        let stableFrom: Timestamp
        let stableUntil: Timestamp?
    }

    /// At most this many entries (an attacker's stream of unknown secrets cannot grow it
    /// further): when full, it starts over.
    let capacity: Int
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// The version every entry was decided under.
    private var version: GovernanceVersion?
    private var entries: [Key: Entry] = [:]
    private var reuseCount = 0

    public init(capacity: Int = 16_384) {
        self.capacity = max(1, capacity)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Rule 4 for (`secret`, `serverTool`) at `now`, on `gate`: the reused decision when the
    /// store's governance version (read now) and the clock allow it, else the store's.
    public func authorize(_ gate: any CredentialGate, secret: String, serverTool: String,
                          now: Timestamp) throws(StoreError) -> AuthorizationOutcome {
        let key = Key(secretHash: Secrets.sha256(secret), serverTool: serverTool)
        let answer = try gate.authorize(secret: secret, serverTool: serverTool, now: now) { v in self.reusable(key, v, now) }
        if !answer.reused, let v = answer.version { keep(key, answer, v) }
        return answer.outcome
    }

    /// How many decisions are held (tests, the bench).
    public var count: Int { locked { entries.count } }
    /// How many answers were reused rather than read (tests, the bench).
    public var reuses: Int { locked { reuseCount } }

    private func reusable(_ key: Key, _ current: GovernanceVersion, _ now: Timestamp) -> AuthorizationOutcome? {
        locked {
            guard current == version else {
                // The governed state moved: nothing held was decided under it.
                entries.removeAll(keepingCapacity: true)
                version = current
                return nil
            }
            guard let e = entries[key], now >= e.stableFrom, e.stableUntil.map({ now < $0 }) ?? true else { return nil }
            reuseCount += 1
            return e.outcome
        }
    }

    private func keep(_ key: Key, _ answer: VersionedOutcome, _ v: GovernanceVersion) {
        locked {
            if v != version {
                entries.removeAll(keepingCapacity: true)
                version = v
            }
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(outcome: answer.outcome, stableFrom: answer.stableFrom, stableUntil: answer.stableUntil)
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }
}
