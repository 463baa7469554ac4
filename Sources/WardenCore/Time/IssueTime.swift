/// Issue and event times that come from outside (fleet documents, telemetry): a time ahead of
/// the clock would start authority that outlives everything the operator sees (`issued: 2099`
/// with a one-hour TTL is valid until 2099), so it is refused beyond a small clock skew.
public enum IssueTime {
    /// How far ahead of the local clock an issue time may be: hosts' clocks drift by seconds,
    /// not minutes.
    public static let maxSkewMs: Int64 = 5 * 60_000

    /// Why `time` is refused at `now`, or nil when it is acceptable.
    public static func problem(_ time: Timestamp, now: Timestamp) -> String? {
        guard time > now + maxSkewMs else { return nil }
        return "\(UTC.rfc3339(time)) is in the future (more than \(DurationText.canonical(maxSkewMs)) ahead of this host's clock, \(UTC.rfc3339(now)))"
    }
}
