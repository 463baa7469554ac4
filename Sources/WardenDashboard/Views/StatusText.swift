import TerminalUI
import WardenCore

/// Status glyphs and their roles.
enum Glyph {
    static func status(_ a: Agent, now: Timestamp) -> String {
        if !a.registered { return "?" }
        switch a.status(at: now) {
        case .active: return "●"
        case .revoked: return "✗"
        case .expired: return "⌛"
        }
    }
}

enum StatusStyle {
    static func role(_ a: Agent, now: Timestamp) -> Role {
        if !a.registered { return .unregistered }
        switch a.status(at: now) {
        case .active: return .active
        case .revoked: return .revoked
        case .expired: return .expired
        }
    }
}

/// "12s ago" style ages.
enum Ago {
    static func text(_ ms: Int64) -> String {
        // Within a second either way is "now": a call written just after the last clock tick
        // is a few milliseconds in the future, not "in 0s".
        if ms > -1000 && ms < 1000 { return "now" }
        if ms < 0 { return "in " + DurationText.compact(-ms) }
        return DurationText.compact(ms) + " ago"
    }
}
