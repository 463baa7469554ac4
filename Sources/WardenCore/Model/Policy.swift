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

    public init(maxCredentialTTLMs: Int64 = 86_400_000, maxDepth: Int = 5,
                staleInstanceMs: Int64 = 120_000, unusedScopeMs: Int64 = 30 * 86_400_000) {
        self.maxCredentialTTLMs = maxCredentialTTLMs
        self.maxDepth = maxDepth
        self.staleInstanceMs = staleInstanceMs
        self.unusedScopeMs = unusedScopeMs
    }

    public static let standard = Policy()
}
