import WardenCore

/// Times as people read them in a terminal.
enum TimeText {
    /// `in 14m`, `3h ago`, `just now`.
    static func relative(_ t: Timestamp, now: Timestamp) -> String {
        let delta = t - now
        let magnitude = delta < 0 ? -delta : delta
        if magnitude < 1000 { return "just now" }
        let s = magnitude / 1000
        let text: String
        if s < 60 { text = "\(s)s" }
        else if s < 3600 { text = "\(s / 60)m" }
        else if s < 48 * 3600 { text = "\(s / 3600)h" }
        else { text = "\(s / 86_400)d" }
        return delta > 0 ? "in \(text)" : "\(text) ago"
    }

    /// An expiry column: compact remaining time (`14m05s`), `expired`, or `never`.
    static func expiry(_ t: Timestamp?, now: Timestamp) -> String {
        guard let t else { return "never" }
        return DurationText.compact(t - now)
    }

    /// `2026-11-29T08:41:55Z (in 14m)`.
    static func full(_ t: Timestamp?, now: Timestamp, none: String = "never") -> String {
        guard let t else { return none }
        return "\(UTC.rfc3339(t)) (\(relative(t, now: now)))"
    }
}

/// Scope lists in table cells: whole up to a width, then `… +N`. JSON and `agent show` show them whole.
enum ScopeText {
    /// The members that fit `width`, then `… +N` for the rest; all of them when `width` is nil.
    static func brief(_ scopes: ScopeSet, width: Int? = 56) -> String {
        if scopes.isEmpty { return "(none)" }
        guard let width else { return scopes.strings.joined(separator: ",") }
        var out = ""
        for (k, s) in scopes.strings.enumerated() {
            let piece = (out.isEmpty ? "" : ",") + s
            let left = scopes.members.count - k
            if !out.isEmpty && out.count + piece.count > width - (left > 1 ? 6 : 0) {
                return out + " … +\(left)"
            }
            out += piece
        }
        return out
    }
}
