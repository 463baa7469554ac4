import WardenCore
import WardenStore

/// A read of the whole delegation forest with every agent's effective scopes, for commands that
/// show many agents at once (one pass top-down instead of one store query per agent).
struct FleetSnapshot {
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

/// Resolving what operators type: full IDs, unique prefixes, unique agent names.
enum Resolve {
    static func reference(_ text: String, in store: any FleetStore) throws -> EntityRef {
        if Credential.looksLikeSecret(text) || text.hasPrefix(Credential.secretPrefix) {
            throw RuntimeError("that is a credential secret, not an ID; use the credential's tok_ ID (see `warden token ls`). Treat the secret as exposed if it was typed somewhere shared.")
        }
        return try store.resolve(text)
    }

    static func agent(_ text: String, in store: any FleetStore) throws -> Agent {
        let ref = try reference(text, in: store)
        guard case .agent(let id) = ref else {
            throw RuntimeError("'\(TerminalText.safe(text))' is \(describe(ref)), not an agent")
        }
        guard let a = try store.agent(id) else { throw RuntimeError("agent \(TerminalText.safe(id)) not found") }
        return a
    }

    static func describe(_ ref: EntityRef) -> String {
        switch ref {
        case .principal(let id): return "the principal \(TerminalText.safe(id))"
        case .agent(let id): return "the agent \(TerminalText.safe(id))"
        case .credential(let id): return "the credential \(TerminalText.safe(id))"
        }
    }
}
