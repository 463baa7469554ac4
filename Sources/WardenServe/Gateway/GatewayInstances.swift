import Glibc
import WardenSystem
import WardenCore
import WardenMCP

/// The gateway is a live instance of each agent that calls through it, one per upstream (as a
/// stdio proxy is one per server): started when first seen, heartbeated while the service runs,
/// stopped when it ends. A credential bound to an instance keeps its own.
final class GatewayInstances: @unchecked Sendable {
    private let recorder: GatewayRecorder
    private let host: String
    private let pid = Int64(getpid())
    private let clock: @Sendable () -> Timestamp
    private let lock = Lock()
    private var live: Set<String> = []

    init(recorder: GatewayRecorder, host: String, clock: @escaping @Sendable () -> Timestamp) {
        self.recorder = recorder
        self.host = host
        self.clock = clock
    }

    func id(upstream: String, probe: CredentialProbe) -> String {
        probe.instanceID ?? "gw-\(pid)@\(host)/\(upstream)/\(probe.agentID ?? "unknown")"
    }

    func seen(upstream: String, probe: CredentialProbe) {
        guard probe.instanceID == nil, let agentID = probe.agentID else { return }
        let id = id(upstream: upstream, probe: probe)
        lock.lock()
        let new = live.insert(id).inserted
        lock.unlock()
        guard new else { return }
        let now = clock()
        recorder.record(.started(Instance(id: id, agentID: agentID, host: "\(host) (gateway \(upstream))", pid: pid,
                                          startedAt: now, lastHeartbeat: now)))
    }

    func heartbeat() {
        lock.lock()
        let ids = live
        lock.unlock()
        let now = clock()
        for id in ids.sorted() { recorder.record(.heartbeat(instanceID: id, at: now)) }
    }

    /// The agent's last session on the upstream ended: stopped until it is seen again.
    func stop(_ id: String) {
        lock.lock()
        let was = live.remove(id) != nil
        lock.unlock()
        if was { recorder.record(.stopped(instanceID: id, at: clock())) }
    }

    func stopAll() {
        lock.lock()
        let ids = live
        live.removeAll()
        lock.unlock()
        let now = clock()
        for id in ids.sorted() { recorder.record(.stopped(instanceID: id, at: now)) }
    }
}
