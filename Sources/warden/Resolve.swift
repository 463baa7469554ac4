import WardenCore
import WardenStore

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
