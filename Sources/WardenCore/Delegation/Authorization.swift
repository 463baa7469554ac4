/// Rule 4: the one place that decides whether a credential may use a tool.
public enum Authorization {
    public enum Reason: String, Sendable, CaseIterable {
        case unknownCredential = "unknown_credential"
        /// The request cannot be read one way only (a duplicate key, a bare CR, an id that is not
        /// a string or a safe integer) or names a tool outside the MCP rule (`isValidToolName`).
        case malformedRequest = "malformed_request"
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
        let links = chain.map { Link(grant: $0.grant, expiresAt: $0.expiresAt, revokedAt: $0.revokedAt) }
        // The principal counts only if it is the chain's root and active; its disabling time
        // names a cascade whichever principal was given (as it always has).
        let root = principal.flatMap { $0.id == chain.last!.principalID && $0.status == .active ? $0.scopes : nil }
        return decide(credentialScopes: credential.scopes, credentialExpiresAt: credential.expiresAt,
                      credentialRevokedAt: credential.revokedAt, chain: links,
                      principalDisabledAt: principal?.status == .disabled ? principal?.disabledAt : nil,
                      activePrincipalScopes: root, server: server, tool: tool, now: now)
    }

    /// What a decision needs of one link of a chain of authority: the hot path (the store's
    /// `authorize`) reads only these columns and builds no `Agent`.
    public struct Link: Sendable {
        public var grant: ScopeSet
        public var expiresAt: Timestamp?
        public var revokedAt: Timestamp?

        public init(grant: ScopeSet, expiresAt: Timestamp?, revokedAt: Timestamp?) {
            self.grant = grant
            self.expiresAt = expiresAt
            self.revokedAt = revokedAt
        }

        var isRevoked: Bool { revokedAt != nil }
        func isExpired(at now: Timestamp) -> Bool { expiresAt.map { now >= $0 } ?? false }
    }

    /// The decision itself, on the facts alone. `chain` is the credential's agent and its
    /// delegators up to the one the principal delegated (empty: the agent does not exist).
    /// `principalDisabledAt` is the root principal's disabling time when it is disabled;
    /// `activePrincipalScopes` its scopes when it exists, is the chain's root and is active (nil
    /// otherwise). The first failing reason wins, in the order of rule 4.
    public static func decide(credentialScopes: ScopeSet, credentialExpiresAt: Timestamp?, credentialRevokedAt: Timestamp?,
                              chain: [Link], principalDisabledAt: Timestamp?, activePrincipalScopes: ScopeSet?,
                              server: Substring, tool: Substring, now: Timestamp) -> Decision {
        guard let agent = chain.first else { return .deny(.unknownCredential) }
        guard isValidToolName(tool) else { return .deny(.malformedRequest) }
        /// Whether chain[i] was revoked by the cascade of its delegator (or of the principal).
        func revokedFromAbove(_ i: Int) -> Bool {
            guard let at = chain[i].revokedAt else { return false }
            return i + 1 < chain.count ? chain[i + 1].revokedAt == at : principalDisabledAt == at
        }
        if let at = credentialRevokedAt, agent.revokedAt != at { return .deny(.credentialRevoked) }
        if credentialExpiresAt.map({ now >= $0 }) ?? false { return .deny(.credentialExpired) }
        if agent.isRevoked && !revokedFromAbove(0) { return .deny(.agentRevoked) }
        if agent.isExpired(at: now) { return .deny(.agentExpired) }
        if chain.indices.dropFirst().contains(where: { chain[$0].isRevoked && !revokedFromAbove($0) }) {
            return .deny(.ancestorRevoked)
        }
        if chain.dropFirst().contains(where: { $0.isExpired(at: now) }) { return .deny(.ancestorExpired) }
        guard let principalScopes = activePrincipalScopes else { return .deny(.principalDisabled) }
        // A revoked row that no cascade explains (data written outside the rules) still denies.
        if credentialRevokedAt != nil || chain.contains(where: \.isRevoked) { return .deny(.credentialRevoked) }
        // Effective scopes are an intersection down the chain; a tool is in an intersection
        // exactly when every set allows it, so no set needs to be built here.
        guard credentialScopes.allows(server: server, tool: tool),
              principalScopes.allows(server: server, tool: tool),
              chain.allSatisfy({ $0.grant.allows(server: server, tool: tool) }) else {
            return .deny(.outOfScope)
        }
        return .allow
    }

    /// Longest tool name the MCP rule allows.
    public static let maxToolNameLength = 128

    /// The MCP rule for tool names: 1 to 128 characters of `A-Z a-z 0-9 _ . -`. Anything else
    /// (spaces, `/`, control or non-ASCII characters, a megabyte of text) is a malformed request,
    /// never a tool that some scope might match.
    public static func isValidToolName<S: StringProtocol>(_ name: S) -> Bool {
        var count = 0
        for b in name.utf8 {
            count += 1
            guard count <= maxToolNameLength else { return false }
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
                continue
            default:
                return false
            }
        }
        return count > 0
    }

    /// A tool name cut to what a record keeps (the MCP maximum), for recording a refused request.
    public static func recordableToolName(_ name: String) -> String {
        String(String.UnicodeScalarView(name.unicodeScalars.prefix(maxToolNameLength)))
    }

    /// Splits `server/tool`; nil when there is no '/' or a side is empty.
    public static func splitTool(_ serverTool: String) -> (server: Substring, tool: Substring)? {
        guard let slash = serverTool.firstIndex(of: "/") else { return nil }
        let s = serverTool[..<slash], t = serverTool[serverTool.index(after: slash)...]
        return s.isEmpty || t.isEmpty ? nil : (s, t)
    }
}
