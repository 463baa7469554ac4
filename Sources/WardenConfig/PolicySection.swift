import WardenCore

/// The `policy.*` keys: the thresholds of findings, renewal and retention.
public struct PolicySection: ConfigSection {
    public var policy = Policy.standard

    public init() {}

    public static func owns(_ key: String) -> Bool {
        ["policy.max_credential_ttl", "policy.max_depth", "policy.stale_instance", "policy.unused_scopes",
         "policy.renew_grace", "policy.retain_calls", "policy.retain_instances"].contains(key)
    }

    public mutating func read(key: String, value: String) throws(ConfigValueError) {
        func duration() throws(ConfigValueError) -> Int64 {
            do { return try DurationText.parse(value) } catch {
                throw ConfigValueError("\(key): invalid duration \(FileText.quoted(value)): expected a whole number and a unit, e.g. 90s, 15m, 8h, 7d")
            }
        }
        switch key {
        case "policy.max_credential_ttl":
            policy.maxCredentialTTLMs = try duration()
        case "policy.max_depth":
            guard value.utf8.count <= 6, let v = Int(value), v > 0 else { throw ConfigValueError("policy.max_depth must be a positive whole number") }
            policy.maxDepth = v
        case "policy.stale_instance":
            policy.staleInstanceMs = try duration()
        case "policy.unused_scopes":
            policy.unusedScopeMs = try duration()
        case "policy.renew_grace":
            policy.renewGraceMs = try duration()
            // Longer than a few minutes is no longer a grace: the old secret would live on.
            guard policy.renewGraceMs <= 600_000 else { throw ConfigValueError("policy.renew_grace must be at most 10m") }
        case "policy.retain_calls":
            policy.retainCallsMs = try duration()
            guard policy.retainCallsMs >= 3_600_000 else { throw ConfigValueError("policy.retain_calls must be at least 1h") }
        default:
            policy.retainInstancesMs = try duration()
            guard policy.retainInstancesMs >= 3_600_000 else { throw ConfigValueError("policy.retain_instances must be at least 1h") }
        }
    }
}
