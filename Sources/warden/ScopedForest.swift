import WardenCore
import WardenStore

/// A read of the whole delegation forest with every agent's effective scopes, for commands that
/// show many agents at once (one pass top-down instead of one store query per agent).
struct ScopedForest {
    let forest: DelegationForest
    let effective: [ScopeSet]

    init(_ store: any FleetStore) throws {
        forest = DelegationForest(principals: try store.principals(), agents: try store.agents())
        effective = forest.effectiveScopes()
    }

    func effective(of id: String) -> ScopeSet {
        forest.index[id].map { effective[$0] } ?? .none
    }

    /// How an agent or principal is named in a table: the agent's name, or the principal's ID.
    func label(_ id: String) -> String {
        if let a = forest.agent(id) { return a.name }
        return id
    }
}
