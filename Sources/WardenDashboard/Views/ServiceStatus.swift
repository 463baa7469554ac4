import WardenCore

/// The header's word on `warden serve`, from the services' heartbeat rows: nothing when no
/// service ever ran on the store; one service by its address and sessions; several by count.
/// A running service whose heartbeat is older than `ServiceRecord.staleAfterMs` is silent (it
/// died without saying so, or cannot reach the store), which the header shows as an alert.
enum ServiceStatus {
    struct Summary: Equatable {
        var text: String
        /// A silent service: drawn as an alert.
        var alert: Bool
    }

    static func summary(_ services: [ServiceRecord], now: Timestamp, short: Bool) -> Summary? {
        let running = services.filter { $0.stoppedAt == nil }
        let up = running.filter { now - $0.lastHeartbeat <= ServiceRecord.staleAfterMs }
        let silent = running.filter { now - $0.lastHeartbeat > ServiceRecord.staleAfterMs }
        let sessions = up.reduce(Int64(0)) { $0 + $1.sessions }
        let sessionText = Plural.count(Int(sessions), "session")
        switch (up.count, silent.count) {
        case (0, 0):
            // Only stopped ones: the latest says when.
            guard let last = services.compactMap(\.stoppedAt).max() else { return nil }
            return Summary(text: "serve: stopped " + age(now - last), alert: false)
        case (1, 0):
            return Summary(text: short ? "serve: up" : "serve: up \(up[0].listen) · \(sessionText)", alert: false)
        case (_, 0):
            return Summary(text: short ? "serve: \(up.count) up" : "serve: \(up.count) up · \(sessionText)", alert: false)
        case (0, 1):
            return Summary(text: "serve: silent " + age(now - silent[0].lastHeartbeat), alert: true)
        case (0, _):
            return Summary(text: "serve: \(silent.count) silent", alert: true)
        default:
            return Summary(text: "serve: \(up.count) up, \(silent.count) silent" + (short ? "" : " · " + sessionText), alert: true)
        }
    }

    /// "45s", "2m", "3h", "4d": how long ago, to the unit that matters.
    static func age(_ ms: Int64) -> String {
        let s = max(0, ms / 1000)
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 86_400 { return "\(s / 3600)h" }
        return "\(s / 86_400)d"
    }
}
