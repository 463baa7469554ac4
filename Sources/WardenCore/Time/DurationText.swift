/// Durations as operators type them (`90s`, `15m`, `8h`, `7d`) and as the UI shows them.
public enum DurationText {
    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public let text: String
        public var description: String {
            "invalid duration '\(text)': expected a whole number and a unit, e.g. 90s, 15m, 8h, 7d"
        }
    }

    /// Milliseconds for `90s`, `15m`, `8h`, `7d` (also `500ms`). Zero and negatives are refused.
    public static func parse(_ text: String) throws(ParseError) -> Int64 {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            let digits = text.dropLast(suffix.count)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let n = Int64(digits), n > 0, n <= Int64.max / scale / 2 else { break }
            return n * scale
        }
        throw ParseError(text: text)
    }

    /// Compact remaining time: `42s`, `4m12s`, `3h05m`, `6d04h`; `expired` at or below zero.
    public static func compact(_ ms: Int64) -> String {
        if ms <= 0 { return "expired" }
        let s = ms / 1000
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" + UTC.pad(s % 60, 2) + "s" }
        if s < 86_400 { return "\(s / 3600)h" + UTC.pad(s / 60 % 60, 2) + "m" }
        return "\(s / 86_400)d" + UTC.pad(s / 3600 % 24, 2) + "h"
    }

    /// The canonical form of a duration for display (`90s` stays `90s`; `3600s` → `1h`).
    public static func canonical(_ ms: Int64) -> String {
        for (suffix, scale) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        where ms % scale == 0 { return "\(ms / scale)\(suffix)" }
        return "\(ms)ms"
    }
}
