/// Thresholds the rules and findings use; operators may change them in the config file.
public struct Policy: Hashable, Sendable {
    /// A credential living longer than this is static (default 24 h).
    public var maxCredentialTTLMs: Int64
    /// Delegation deeper than this is a finding (default 5).
    public var maxDepth: Int
    /// An instance silent this long is stale for findings (default 2 min).
    public var staleInstanceMs: Int64
    /// Scopes unused for this long are suggested for narrowing (default 30 days).
    public var unusedScopeMs: Int64
    /// How long a renewed credential stays valid after `token renew`, so in-flight calls finish
    /// (default 30 s).
    public var renewGraceMs: Int64
    /// Tool calls older than this are pruned by `store prune` (default 30 days).
    public var retainCallsMs: Int64
    /// Instances stopped longer ago than this are pruned by `store prune` (default 7 days).
    public var retainInstancesMs: Int64

    public init(maxCredentialTTLMs: Int64 = 86_400_000, maxDepth: Int = 5,
                staleInstanceMs: Int64 = 120_000, unusedScopeMs: Int64 = 30 * 86_400_000,
                renewGraceMs: Int64 = 30_000, retainCallsMs: Int64 = 30 * 86_400_000,
                retainInstancesMs: Int64 = 7 * 86_400_000) {
        self.maxCredentialTTLMs = maxCredentialTTLMs
        self.maxDepth = maxDepth
        self.staleInstanceMs = staleInstanceMs
        self.unusedScopeMs = unusedScopeMs
        self.renewGraceMs = renewGraceMs
        self.retainCallsMs = retainCallsMs
        self.retainInstancesMs = retainInstancesMs
    }

    public static let standard = Policy()

    /// The limits a renewal runs under. `token renew` is run by the agent, so the config file it
    /// reads is the agent's own: it may tighten the built-in renewal limits, never loosen them.
    public var boundedForRenewal: Policy {
        var p = self
        p.maxCredentialTTLMs = min(maxCredentialTTLMs, Policy.standard.maxCredentialTTLMs)
        p.renewGraceMs = min(renewGraceMs, Policy.standard.renewGraceMs)
        return p
    }
}
