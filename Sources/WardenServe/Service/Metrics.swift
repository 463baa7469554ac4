import Glibc
import WardenSystem

/// The service's counters, rendered as Prometheus text at `GET /metrics`.
public final class Metrics: @unchecked Sendable {
    /// Upper bounds (seconds) of the request latency histogram.
    static let buckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private let lock = Lock()
    private var decisions: [String: Int] = [:]          // "allow" or the deny reason
    private var authzenDecisions: [String: Int] = [:]   // AuthZEN answers, likewise
    private var requests: [Int: Int] = [:]              // by status
    private var bucketCounts = [Int](repeating: 0, count: buckets.count)
    private var latencyCount = 0
    private var latencySum = 0.0
    private var upstreamErrors: [String: Int] = [:]     // by upstream name
    private var openSessions: () -> Int = { 0 }

    public init() {}

    public func setOpenSessions(_ f: @escaping @Sendable () -> Int) {
        lock.lock(); openSessions = f; lock.unlock()
    }

    public func decision(_ reason: String?) {
        lock.lock(); decisions[reason ?? "allow", default: 0] += 1; lock.unlock()
    }

    /// An AuthZEN evaluation's answer (not a call: the asking gateway enforces).
    public func authzenDecision(_ reason: String?) {
        lock.lock(); authzenDecisions[reason ?? "allow", default: 0] += 1; lock.unlock()
    }

    public func upstreamError(_ name: String) {
        lock.lock(); upstreamErrors[name, default: 0] += 1; lock.unlock()
    }

    public func request(status: Int, seconds: Double) {
        lock.lock()
        requests[status, default: 0] += 1
        latencyCount += 1
        latencySum += seconds
        if let i = Self.buckets.firstIndex(where: { seconds <= $0 }) { bucketCounts[i] += 1 }
        lock.unlock()
    }

    public func render() -> String {
        lock.lock()
        defer { lock.unlock() }
        var out = ""
        out += "# HELP warden_decisions_total Tool-call decisions through the gateway, by reason (allow, or the deny reason).\n"
        out += "# TYPE warden_decisions_total counter\n"
        for (r, n) in decisions.sorted(by: { $0.key < $1.key }) { out += "warden_decisions_total{reason=\"\(r)\"} \(n)\n" }
        out += "# HELP warden_authzen_decisions_total AuthZEN evaluations answered, by reason (allow, or the deny reason).\n"
        out += "# TYPE warden_authzen_decisions_total counter\n"
        for (r, n) in authzenDecisions.sorted(by: { $0.key < $1.key }) { out += "warden_authzen_decisions_total{reason=\"\(r)\"} \(n)\n" }
        out += "# HELP warden_http_requests_total HTTP requests answered, by status.\n"
        out += "# TYPE warden_http_requests_total counter\n"
        for (s, n) in requests.sorted(by: { $0.key < $1.key }) { out += "warden_http_requests_total{status=\"\(s)\"} \(n)\n" }
        out += "# HELP warden_http_request_duration_seconds Time from a request's first byte to its response's last.\n"
        out += "# TYPE warden_http_request_duration_seconds histogram\n"
        var cumulative = 0
        for (i, b) in Self.buckets.enumerated() {
            cumulative += bucketCounts[i]
            out += "warden_http_request_duration_seconds_bucket{le=\"\(b)\"} \(cumulative)\n"
        }
        out += "warden_http_request_duration_seconds_bucket{le=\"+Inf\"} \(latencyCount)\n"
        out += "warden_http_request_duration_seconds_sum \(latencySum)\n"
        out += "warden_http_request_duration_seconds_count \(latencyCount)\n"
        out += "# HELP warden_upstream_errors_total Exchanges with an upstream that failed (no answer, a broken stream, a dead process).\n"
        out += "# TYPE warden_upstream_errors_total counter\n"
        for (u, n) in upstreamErrors.sorted(by: { $0.key < $1.key }) { out += "warden_upstream_errors_total{upstream=\"\(u)\"} \(n)\n" }
        out += "# HELP warden_open_sessions MCP sessions open through the gateway.\n"
        out += "# TYPE warden_open_sessions gauge\n"
        out += "warden_open_sessions \(openSessions())\n"
        return out
    }
}
