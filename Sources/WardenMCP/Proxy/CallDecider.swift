import WardenCore

/// What the relay asks about its credential, and of no one else: the store itself
/// (`Gatekeeper`) or `warden serve` (`RemoteDecider`, `mcp-proxy --decide`). One relay runs on
/// either, so the rules (scope filtering, pinning, the deny answers) are the same code.
protocol CallDecider: AnyObject, Sendable {
    /// The decision on one `server/tool` call now; never an allow when no answer came
    /// (`store_unavailable`).
    func check(server: String, tool: String) -> CallVerdict
    /// For each tool of `page` (in order), whether the credential may see it now: in scope and
    /// approved with exactly the hash seen. `list`, when given, is the server's whole tool list,
    /// recorded first (tool pinning); without it the pins are only read. nil when no answer came:
    /// the caller hides the whole page.
    func visible(server: String, page: [ObservedTool], recording list: [ObservedTool]?) -> [Bool]?
}

/// One decision and whose credential it was made for.
public struct CallVerdict: Equatable, Sendable {
    public var allowed: Bool
    /// The deny reason (a rule-4 reason, or `store_unavailable`).
    public var reason: String?
    public var credentialID: String?
    public var agentID: String?
    public var credentialInstanceID: String?

    public init(allowed: Bool, reason: String? = nil, credentialID: String? = nil, agentID: String? = nil,
                credentialInstanceID: String? = nil) {
        self.allowed = allowed
        self.reason = reason
        self.credentialID = credentialID
        self.agentID = agentID
        self.credentialInstanceID = credentialInstanceID
    }
}
