import WardenCore
import WardenStore

extension PostgresStore {
    /// Resolves what an operator typed by the one rule every command uses (`IDReference`): a
    /// full ID; a unique prefix of a full ID reaching `spiffe://TD/agent/NAME/` or `tok_` plus 6
    /// characters; or the exact name of a registered agent of the store's trust domain. Never a
    /// name prefix. A refusal names the candidates it saw.
    public func resolve(_ ref: String) throws(StoreError) -> EntityRef {
        if ref.isEmpty { throw .notFound("empty ID") }
        if Credential.looksLikeSecret(ref) {
            throw .invalid("that looks like a credential secret, not an ID; use the credential's tok_ ID")
        }
        return try read { () throws(StoreError) -> EntityRef in try resolveInSnapshot(ref) }
    }

    private func resolveInSnapshot(_ ref: String) throws(StoreError) -> EntityRef {
        // An exact ID naming more than one kind is refused, never resolved by lookup order.
        var matched: [IDReference.Kind] = []
        if try principal(ref) != nil { matched.append(.principal) }
        if try agent(ref) != nil { matched.append(.agent) }
        if try credential(ref) != nil { matched.append(.credential) }
        let exact = IDReference.exactKind(matched)
        if exact.ambiguous { throw .ambiguous(ref, matched.map { "\($0.rawValue) \(ref)" }) }
        switch exact.kind {
        case .principal: return .principal(ref)
        case .agent: return .agent(ref)
        case .credential: return .credential(ref)
        case nil: break
        }
        if IDReference.isAgentPrefix(ref) {
            let ids = try idsStarting(with: ref, in: "agents")
            if ids.count == 1 { return .agent(ids[0]) }
            if ids.count > 1 { throw .ambiguous(ref, ids) }
            throw .notFound("no agent ID starts with '\(ref)'")
        }
        if IDReference.isCredentialPrefix(ref) {
            let ids = try idsStarting(with: ref, in: "credentials")
            if ids.count == 1 { return .credential(ids[0]) }
            if ids.count > 1 { throw .ambiguous(ref, ids) }
            throw .notFound("no credential ID starts with '\(ref)'")
        }
        if ref.hasPrefix(Credential.idPrefix) {
            throw .notFound("no credential '\(ref)' (a credential prefix needs tok_ and at least \(IDReference.credentialPrefixMinimum) more characters)")
        }
        if ref.hasPrefix("spiffe://") {
            throw .notFound("no agent '\(ref)' (an ID prefix must reach at least spiffe://DOMAIN/agent/NAME/)")
        }
        let td = try trustDomain()
        let named = try connection.query("SELECT id, registered FROM agents WHERE name = $1 ORDER BY ord LIMIT 50", [ref])
            .map { ($0.string(0), $0.bool(1)) }
        // Registered agents of this trust domain answer to their name; identities only seen in
        // telemetry (or of another domain) are reached by their full ID.
        let registered = named.filter { $0.1 && Identity.isAgentID($0.0, in: td) }.map(\.0)
        if registered.count == 1 { return .agent(registered[0]) }
        if registered.count > 1 { throw .ambiguous(ref, registered) }
        if !named.isEmpty {
            let ids = named.prefix(8).map(\.0).joined(separator: ", ")
            throw .notFound("no registered agent of \(td) is named '\(ref)'; identities seen with that name: \(ids); give the full ID")
        }
        var message = "no principal, agent or credential matches '\(ref)'"
        let similar = try connection.query("""
            SELECT DISTINCT name COLLATE "C" FROM agents WHERE starts_with(name, $1) AND registered ORDER BY 1 LIMIT 6
            """, [ref]).map { $0.string(0) }
        if !similar.isEmpty {
            message += " (names are matched exactly; agents named: \(similar.prefix(5).joined(separator: ", "))\(similar.count > 5 ? ", …" : ""))"
        }
        throw .notFound(message)
    }

    /// Up to nine IDs of `table` starting with `prefix`, in byte order.
    private func idsStarting(with prefix: String, in table: String) throws(StoreError) -> [String] {
        try connection.query("SELECT id FROM \(table) WHERE starts_with(id, $1) ORDER BY id COLLATE \"C\" LIMIT 9", [prefix])
            .map { $0.string(0) }
    }
}
