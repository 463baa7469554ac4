/// Rule 3: what a revoke touches. Computed before acting, so a dialog can show the blast radius.
public struct RevocationPlan: Equatable, Sendable {
    public enum Target: Equatable, Sendable {
        case agent(String)
        case principal(String)
        case credential(String)

        /// The revoked or disabled ID: what each row the plan revokes records as its cause.
        public var id: String {
            switch self {
            case .agent(let id), .principal(let id), .credential(let id): return id
            }
        }
    }

    public let target: Target
    /// Agents that become revoked (not already revoked), the target first.
    public let agents: [String]
    /// Credentials that become revoked.
    public let credentials: [String]
    /// Live instances of the affected agents.
    public let liveInstances: Int

    public init(target: Target, agents: [String], credentials: [String], liveInstances: Int) {
        self.target = target
        self.agents = agents
        self.credentials = credentials
        self.liveInstances = liveInstances
    }

    /// Plans a revoke over an in-memory fleet.
    public static func plan(_ target: Target, forest: DelegationForest, credentials: [Credential],
                            instances: [Instance], now: Timestamp) -> RevocationPlan {
        var agentIDs: [String] = []
        var credIDs: [String] = []
        switch target {
        case .credential(let id):
            credIDs = credentials.filter { $0.id == id && $0.revokedAt == nil }.map(\.id)
            return RevocationPlan(target: target, agents: [], credentials: credIDs, liveInstances: 0)
        case .agent(let id):
            agentIDs = forest.subtree(of: id).map { forest.agents[$0] }.filter { !$0.isRevoked }.map(\.id)
        case .principal(let id):
            agentIDs = forest.tree(ofPrincipal: id).map { forest.agents[$0] }.filter { !$0.isRevoked }.map(\.id)
        }
        let affected = Set(agentIDs)
        credIDs = credentials.filter { affected.contains($0.agentID) && $0.revokedAt == nil }.map(\.id)
        let live = instances.filter { affected.contains($0.agentID) && $0.state(at: now) == .live }.count
        return RevocationPlan(target: target, agents: agentIDs, credentials: credIDs, liveInstances: live)
    }
}
