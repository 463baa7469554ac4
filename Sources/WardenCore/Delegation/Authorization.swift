/// Rule 4: the one place that decides whether a credential may use a tool.
public enum Authorization {
    public enum Reason: String, Sendable, CaseIterable {
        case unknownCredential = "unknown_credential"
        case credentialRevoked = "credential_revoked"
        case credentialExpired = "credential_expired"
        case agentRevoked = "agent_revoked"
        case agentExpired = "agent_expired"
        case ancestorRevoked = "ancestor_revoked"
        case ancestorExpired = "ancestor_expired"
        case principalDisabled = "principal_disabled"
        case outOfScope = "out_of_scope"
    }

    public enum Decision: Equatable, Sendable, CustomStringConvertible {
        case allow
        case deny(Reason)
        public var isAllowed: Bool { self == .allow }
        public var description: String {
            switch self {
            case .allow: return "allow"
            case .deny(let r): return "deny: \(r.rawValue)"
            }
        }
    }

    /// Decides for a credential (nil when the secret matched none), its agent's chain of authority
    /// (`chain[0]` is the credential's agent, then its delegator, up to the agent the principal
    /// delegated), the root principal, and the tool. The first failing reason wins.
    ///
    /// A revocation that came from a cascade is named by where the cascade started: a
    /// credential revoked because its agent's delegator was revoked is denied with
    /// `ancestor_revoked`, which is what tells an operator why. A cascade stamps every row it
    /// touches with one time, which is how its rows are recognised.
    public static func decide(credential: Credential?, chain: [Agent], principal: Principal?,
                              server: Substring, tool: Substring, now: Timestamp) -> Decision {
        guard let credential, let agent = chain.first, agent.id == credential.agentID else {
            return .deny(.unknownCredential)
        }
        let principalDisabledAt = principal?.status == .disabled ? principal?.disabledAt : nil
        /// Whether chain[i] was revoked by the cascade of its delegator (or of the principal).
        func revokedFromAbove(_ i: Int) -> Bool {
            guard let at = chain[i].revokedAt else { return false }
            return i + 1 < chain.count ? chain[i + 1].revokedAt == at : principalDisabledAt == at
        }
        if let at = credential.revokedAt, agent.revokedAt != at { return .deny(.credentialRevoked) }
        if credential.isExpired(at: now) { return .deny(.credentialExpired) }
        if agent.isRevoked && !revokedFromAbove(0) { return .deny(.agentRevoked) }
        if agent.isExpired(at: now) { return .deny(.agentExpired) }
        if chain.indices.dropFirst().contains(where: { chain[$0].isRevoked && !revokedFromAbove($0) }) {
            return .deny(.ancestorRevoked)
        }
        if chain.dropFirst().contains(where: { $0.isExpired(at: now) }) { return .deny(.ancestorExpired) }
        guard let principal, principal.id == chain.last!.principalID, principal.status == .active else {
            return .deny(.principalDisabled)
        }
        // A revoked row that no cascade explains (data written outside the rules) still denies.
        if credential.revokedAt != nil || chain.contains(where: \.isRevoked) { return .deny(.credentialRevoked) }
        // Effective scopes are an intersection down the chain; a tool is in an intersection
        // exactly when every set allows it, so no set needs to be built here.
        guard credential.scopes.allows(server: server, tool: tool),
              principal.scopes.allows(server: server, tool: tool),
              chain.allSatisfy({ $0.grant.allows(server: server, tool: tool) }) else {
            return .deny(.outOfScope)
        }
        return .allow
    }

    /// Splits `server/tool`; nil when there is no '/' or a side is empty.
    public static func splitTool(_ serverTool: String) -> (server: Substring, tool: Substring)? {
        guard let slash = serverTool.firstIndex(of: "/") else { return nil }
        let s = serverTool[..<slash], t = serverTool[serverTool.index(after: slash)...]
        return s.isEmpty || t.isEmpty ? nil : (s, t)
    }
}
