/// Rule 4: the one place that decides whether a credential may use a tool.
public enum Authorization {
    /// In the order of rule 4: the first failing reason wins. Revocation outranks expiry, because
    /// it is an operator's deliberate act.
    public enum Reason: String, Sendable, CaseIterable {
        /// The store gave no facts to decide on (it failed, or was locked or unreachable, until
        /// the deciding path's `store_timeout` ran out). First: without facts no other reason
        /// can be known, and an error is never an allow.
        case storeUnavailable = "store_unavailable"
        case unknownCredential = "unknown_credential"
        /// The request cannot be read one way only (a duplicate key, a bare CR, an id that is not
        /// a string or a safe integer) or names a tool outside the MCP rule (`isValidToolName`).
        case malformedRequest = "malformed_request"
        case credentialRevoked = "credential_revoked"
        case agentRevoked = "agent_revoked"
        case ancestorRevoked = "ancestor_revoked"
        case principalDisabled = "principal_disabled"
        case credentialExpired = "credential_expired"
        case agentExpired = "agent_expired"
        case ancestorExpired = "ancestor_expired"
        case outOfScope = "out_of_scope"
        /// The tool's definition is not approved on a server whose tools are pinned (pending,
        /// changed, rejected or gone), or the server was never seen listed under
        /// `unknown-servers deny`. Last: it is named only when approving the tool would let the
        /// call through, so an agent learns nothing of pins on tools outside its grant, and an
        /// operator reading it knows the one act that would change the answer.
        case toolUnapproved = "tool_unapproved"
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
    /// `ancestor_revoked`, which is what tells an operator why. Each revoked row records the
    /// root of the revocation it came from (`revokedBy`), which is how its cause is found.
    public static func decide(credential: Credential?, chain: [Agent], principal: Principal?,
                              server: Substring, tool: Substring, pin: ToolPinFacts = .unpinned,
                              now: Timestamp) -> Decision {
        guard let credential, let agent = chain.first, agent.id == credential.agentID else {
            return .deny(.unknownCredential)
        }
        let links = chain.map { Link(grant: $0.grant, expiresAt: $0.expiresAt, revokedAt: $0.revokedAt, id: $0.id, revokedBy: $0.revokedBy) }
        // The principal counts only if it is the chain's root and active; a disabled principal
        // denies whichever principal was given (as it always has).
        let root = principal.flatMap { $0.id == chain.last!.principalID && $0.status == .active ? $0.scopes : nil }
        return decide(credentialScopes: credential.scopes, credentialExpiresAt: credential.expiresAt,
                      credentialRevokedAt: credential.revokedAt, credentialID: credential.id,
                      credentialRevokedBy: credential.revokedBy, chain: links,
                      principalDisabledAt: principal?.status == .disabled ? (principal?.disabledAt ?? 0) : nil,
                      principalID: principal?.id, activePrincipalScopes: root, server: server, tool: tool,
                      pin: pin, now: now)
    }

    /// What a decision needs of one link of a chain of authority: the hot path (the store's
    /// `authorize`) reads only these columns and builds no `Agent`.
    public struct Link: Sendable {
        public var grant: ScopeSet
        public var expiresAt: Timestamp?
        public var revokedAt: Timestamp?
        /// The agent's ID and the root of the revocation that revoked it (the agent, principal or
        /// credential an operator revoked); needed only for a revoked link. A revoked link whose
        /// cause is unknown is taken as revoked itself.
        public var id: String?
        public var revokedBy: String?

        public init(grant: ScopeSet, expiresAt: Timestamp?, revokedAt: Timestamp?, id: String? = nil, revokedBy: String? = nil) {
            self.grant = grant
            self.expiresAt = expiresAt
            self.revokedAt = revokedAt
            self.id = id
            self.revokedBy = revokedBy
        }

        var isRevoked: Bool { revokedAt != nil }
        func isExpired(at now: Timestamp) -> Bool { expiresAt.map { now >= $0 } ?? false }
    }

    /// The decision itself, on the facts alone. `chain` is the credential's agent and its
    /// delegators up to the one the principal delegated (empty: the agent does not exist).
    /// `principalDisabledAt` is non-nil when the root principal is disabled; `principalID` its ID
    /// (what a revocation it caused names); `activePrincipalScopes` its scopes when it exists, is
    /// the chain's root and is active (nil otherwise). The first failing reason wins, in the
    /// order of rule 4.
    public static func decide(credentialScopes: ScopeSet, credentialExpiresAt: Timestamp?, credentialRevokedAt: Timestamp?,
                              credentialID: String? = nil, credentialRevokedBy: String? = nil,
                              chain: [Link], principalDisabledAt: Timestamp?, principalID: String? = nil,
                              activePrincipalScopes: ScopeSet?,
                              server: Substring, tool: Substring, pin: ToolPinFacts = .unpinned,
                              now: Timestamp) -> Decision {
        Standing(credentialScopes: credentialScopes, credentialExpiresAt: credentialExpiresAt,
                 credentialRevokedAt: credentialRevokedAt, credentialID: credentialID, credentialRevokedBy: credentialRevokedBy,
                 chain: chain, principalDisabledAt: principalDisabledAt, principalID: principalID,
                 activePrincipalScopes: activePrincipalScopes, now: now)
            .decide(server: server, tool: tool, pin: pin)
    }

    /// Whether the credential and its whole chain stand now, whatever the tool: the reason of
    /// the first revoked, disabled or expired link in the order of rule 4, nil when all are live.
    /// `token renew` asks exactly this (a renewal must not outlive a dead chain).
    public static func standingDenial(credential: Credential?, chain: [Agent], principal: Principal?, now: Timestamp) -> Reason? {
        guard let credential, let agent = chain.first, agent.id == credential.agentID else { return .unknownCredential }
        let links = chain.map { Link(grant: $0.grant, expiresAt: $0.expiresAt, revokedAt: $0.revokedAt, id: $0.id, revokedBy: $0.revokedBy) }
        let root = principal.flatMap { $0.id == chain.last!.principalID && $0.status == .active ? $0.scopes : nil }
        return standingDenial(credentialExpiresAt: credential.expiresAt, credentialRevokedAt: credential.revokedAt,
                              credentialID: credential.id, credentialRevokedBy: credential.revokedBy, chain: links,
                              principalDisabledAt: principal?.status == .disabled ? (principal?.disabledAt ?? 0) : nil,
                              principalID: principal?.id, activePrincipalScopes: root, now: now)
    }

    static func standingDenial(credentialExpiresAt: Timestamp?, credentialRevokedAt: Timestamp?,
                               credentialID: String?, credentialRevokedBy: String?,
                               chain: [Link], principalDisabledAt: Timestamp?, principalID: String?,
                               activePrincipalScopes: ScopeSet?, now: Timestamp) -> Reason? {
        guard let agent = chain.first else { return .unknownCredential }
        // Revocations first: the first revoked row (credential, agent, ancestors) that was revoked
        // itself rather than by a cascade from above names the reason.
        let credentialRevoked = credentialRevokedAt != nil
        if credentialRevoked || principalDisabledAt != nil || chain.contains(where: \.isRevoked) {
            let origin = RevocationOrigin(chain: chain, principalID: principalDisabledAt != nil ? principalID : nil)
            if credentialRevoked, origin.isOwn(id: credentialID, cause: credentialRevokedBy, above: 0) { return .credentialRevoked }
            if agent.isRevoked, origin.isOwn(id: agent.id, cause: agent.revokedBy, above: 1) { return .agentRevoked }
            for i in chain.indices.dropFirst() where chain[i].isRevoked {
                if origin.isOwn(id: chain[i].id, cause: chain[i].revokedBy, above: i + 1) { return .ancestorRevoked }
            }
            if principalDisabledAt != nil { return .principalDisabled }
        }
        if credentialExpiresAt.map({ now >= $0 }) ?? false { return .credentialExpired }
        if agent.isExpired(at: now) { return .agentExpired }
        if chain.dropFirst().contains(where: { $0.isExpired(at: now) }) { return .ancestorExpired }
        if activePrincipalScopes == nil { return .principalDisabled }
        return nil
    }

    /// Whether a revoked row was revoked itself, or by a revocation that started above it in
    /// the chain (a revoked agent there, or the disabled principal). A cause that names nothing
    /// revoked above (unknown, or data written outside the rules) counts as the row's own, so a
    /// revoked row always denies.
    struct RevocationOrigin {
        /// Chain position of each revoked link by ID (the nearest when IDs repeat).
        var revokedAt: [String: Int] = [:]
        let principalID: String?

        init(chain: [Link], principalID: String?) {
            self.principalID = principalID
            for i in chain.indices.reversed() where chain[i].isRevoked {
                if let id = chain[i].id { revokedAt[id] = i }
            }
        }

        /// `above`: the first chain position above the row (0 for the credential).
        func isOwn(id: String?, cause: String?, above: Int) -> Bool {
            guard let cause, cause != id else { return true }
            if let p = revokedAt[cause], p >= above { return false }
            return cause != principalID
        }
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
