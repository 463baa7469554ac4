/// Milliseconds since the Unix epoch. WardenCore never reads a clock: time is passed in.
public typealias Timestamp = Int64

/// Civil-calendar conversions in UTC, without Foundation (used on hot rendering paths).
public enum UTC {
    /// The span RFC 3339 can write (four-digit years): 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z.
    public static let rfc3339Range: ClosedRange<Timestamp> = -62_167_219_200_000...253_402_300_799_999

    /// `2026-11-29T08:41:55Z` (milliseconds shown only when `millis` is true). A time outside
    /// `rfc3339Range` (an expiry computed from a far-future issue time) is clamped to its
    /// nearest end, so the text is always valid RFC 3339.
    public static func rfc3339(_ time: Timestamp, millis: Bool = false) -> String {
        let t = min(max(time, rfc3339Range.lowerBound), rfc3339Range.upperBound)
        let (days, msOfDay) = floorDivide(t, 86_400_000)
        let (y, m, d) = civil(fromDays: days)
        let secs = msOfDay / 1000
        var s = pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T"
        s += pad(secs / 3600, 2) + ":" + pad(secs / 60 % 60, 2) + ":" + pad(secs % 60, 2)
        if millis { s += "." + pad(msOfDay % 1000, 3) }
        return s + "Z"
    }

    /// `08:41:55` of the day, UTC.
    public static func timeOfDay(_ t: Timestamp) -> String {
        let secs = floorDivide(t, 86_400_000).1 / 1000
        return pad(secs / 3600, 2) + ":" + pad(secs / 60 % 60, 2) + ":" + pad(secs % 60, 2)
    }

    /// Parses RFC 3339 (`2026-11-29T08:41:55Z`, optional fraction, `Z` or `±hh:mm`).
    public static func parseRFC3339(_ text: String) -> Timestamp? {
        let b = Array(text.utf8)
        func num(_ from: Int, _ len: Int) -> Int64? {
            guard from + len <= b.count else { return nil }
            var v: Int64 = 0
            for i in from..<(from + len) {
                let c = b[i]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48)
            }
            return v
        }
        guard b.count >= 20, b[4] == 45, b[7] == 45, b[10] == 84 || b[10] == 116 || b[10] == 32,
              b[13] == 58, b[16] == 58,
              let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2),
              let h = num(11, 2), let mi = num(14, 2), let s = num(17, 2),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61 else { return nil }
        var i = 19
        var ms: Int64 = 0
        if b[i] == 46 {  // fraction: keep milliseconds
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if digits < 3 { ms = ms * 10 + Int64(b[i] - 48) }
                digits += 1; i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 3) { ms *= 10 }
        }
        guard i < b.count else { return nil }
        var offset: Int64 = 0
        if b[i] == 90 || b[i] == 122 {
            i += 1
        } else if b[i] == 43 || b[i] == 45, let oh = num(i + 1, 2), i + 3 < b.count, b[i + 3] == 58,
                  let om = num(i + 4, 2) {
            offset = (oh * 60 + om) * 60_000 * (b[i] == 45 ? -1 : 1)
            i += 6
        } else { return nil }
        guard i == b.count else { return nil }
        let days = days(fromCivil: y, mo, d)
        return ((days * 24 + h) * 60 + mi) * 60_000 + s * 1000 + ms - offset
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        var q = a / b, r = a % b
        if r < 0 { q -= 1; r += b }
        return (q, r)
    }

    // Howard Hinnant's days-from-civil algorithms.
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
