import WardenCore

// What an operator typed, resolved by the one rule every command uses (`IDReference`), the same
// on every backend.
extension FleetRules {
    /// A full ID; a unique prefix of a full ID reaching `spiffe://TD/agent/NAME/` or `tok_` plus
    /// 6 characters; or the exact name of a registered agent of the store's trust domain. Never
    /// a name prefix. A refusal names the candidates it saw.
    package func resolve(_ ref: String) throws(StoreError) -> EntityRef {
        if ref.isEmpty { throw .notFound("empty ID") }
        if Credential.looksLikeSecret(ref) {
            throw .invalid("that looks like a credential secret, not an ID; use the credential's tok_ ID")
        }
        return try backend.readTransaction { (tx: Backend.Transaction) throws(StoreError) -> EntityRef in
            try Self.resolve(ref, tx)
        }
    }

    /// What an exact ID names given the kinds it matched: nil for none, refused for several.
    private static func exactly(_ ref: String, _ matched: [IDReference.Kind]) throws(StoreError) -> EntityRef? {
        let exact = IDReference.exactKind(matched)
        if exact.ambiguous { throw .ambiguous(ref, matched.map { "\($0.rawValue) \(ref)" }) }
        switch exact.kind {
        case .principal: return .principal(ref)
        case .agent: return .agent(ref)
        case .credential: return .credential(ref)
        case nil: return nil
        }
    }

    private static func resolve(_ ref: String, _ tx: Backend.Transaction) throws(StoreError) -> EntityRef {
        // An exact ID counts first for the kind whose shape it has (`user:`/`workload:`,
        // `spiffe://`, `tok_`): a row of another kind carrying it (an "observed agent" an
        // ingester's SQL named after a principal, a credential or a registered agent's name)
        // never takes `revoke`/`disable` away from the real one, nor makes it ambiguous.
        var matched: [IDReference.Kind] = []
        if (try? Identity.validatePrincipalID(ref)) != nil, try tx.principal(ref) != nil { matched.append(.principal) }
        if ref.hasPrefix("spiffe://"), try tx.agent(ref) != nil { matched.append(.agent) }
        if ref.hasPrefix(Credential.idPrefix), try tx.credential(ref) != nil { matched.append(.credential) }
        if let found = try exactly(ref, matched) { return found }
        if IDReference.isAgentPrefix(ref) {
            let ids = try tx.ids(startingWith: ref, of: .agents, limit: 9)
            if ids.count == 1 { return .agent(ids[0]) }
            if ids.count > 1 { throw .ambiguous(ref, ids) }
            throw .notFound("no agent ID starts with '\(ref)'")
        }
        if IDReference.isCredentialPrefix(ref) {
            let ids = try tx.ids(startingWith: ref, of: .credentials, limit: 9)
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
        let td = try tx.trustDomain()
        let named = try tx.agents(named: ref, limit: 50)
        // Registered agents of this trust domain answer to their name; identities only seen in
        // telemetry (or of another domain) are reached by their full ID.
        let registered = named.filter { $0.registered && Identity.isAgentID($0.id, in: td) }.map(\.id)
        if registered.count == 1 { return .agent(registered[0]) }
        if registered.count > 1 { throw .ambiguous(ref, registered) }
        // Rows written before IDs had shapes (a principal `alice`) are still reached by their
        // exact ID, after every registered name; one ID on several kinds is refused.
        var legacy: [IDReference.Kind] = []
        if try tx.principal(ref) != nil { legacy.append(.principal) }
        if try tx.agent(ref) != nil { legacy.append(.agent) }
        if try tx.credential(ref) != nil { legacy.append(.credential) }
        if let found = try exactly(ref, legacy) { return found }
        if !named.isEmpty {
            let ids = named.prefix(8).map(\.id).joined(separator: ", ")
            throw .notFound("no registered agent of \(td) is named '\(ref)'; identities seen with that name: \(ids); give the full ID")
        }
        var message = "no principal, agent or credential matches '\(ref)'"
        let similar = try tx.registeredAgentNames(startingWith: ref, limit: 6)
        if !similar.isEmpty {
            message += " (names are matched exactly; agents named: \(similar.prefix(5).joined(separator: ", "))\(similar.count > 5 ? ", …" : ""))"
        }
        throw .notFound(message)
    }
}
