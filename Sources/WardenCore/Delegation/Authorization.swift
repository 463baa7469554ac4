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
    public static func decide(credential: Credential?, chain: [Agent], principal: Principal?,
                              server: Substring, tool: Substring, now: Timestamp) -> Decision {
        guard let credential, let agent = chain.first, agent.id == credential.agentID else {
            return .deny(.unknownCredential)
        }
        if credential.revokedAt != nil { return .deny(.credentialRevoked) }
        if credential.isExpired(at: now) { return .deny(.credentialExpired) }
        if agent.isRevoked { return .deny(.agentRevoked) }
        if agent.isExpired(at: now) { return .deny(.agentExpired) }
        let ancestors = chain.dropFirst()
        if ancestors.contains(where: \.isRevoked) { return .deny(.ancestorRevoked) }
        if ancestors.contains(where: { $0.isExpired(at: now) }) { return .deny(.ancestorExpired) }
        guard let principal, principal.id == chain.last!.principalID, principal.status == .active else {
            return .deny(.principalDisabled)
        }
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
