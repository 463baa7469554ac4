extension Authorization {
    /// A credential's chain decided once, for every tool of a list: what does not depend on the
    /// tool (does the chain stand, and which scope sets a tool must be in) is settled here, and
    /// `decide(server:tool:pin:)` adds the tool's own checks in rule 4's order. The one decision:
    /// `decide(credentialScopes:…)` is exactly `Standing(…).decide(…)`.
    public struct Standing: Sendable {
        /// `unknownCredential` for an empty chain, else the chain's standing denial (nil: it stands).
        let denial: Reason?
        let credentialScopes: ScopeSet
        let principalScopes: ScopeSet?
        let chain: [Link]
        /// The span of time around `now` in which no expiry along the chain (the credential's,
        /// the agent's, every ancestor's) falls: the latest expiry at or before `now` (or
        /// `Int64.min`) up to the earliest after it (nil: none). Time alone changes no decision
        /// inside it, so a decision reused there (while the governed state is unchanged) is the
        /// one deciding again would give.
        public let stableFrom: Timestamp
        public let stableUntil: Timestamp?

        /// The same facts as `decide(credentialScopes:…)`, without the tool.
        public init(credentialScopes: ScopeSet, credentialExpiresAt: Timestamp?, credentialRevokedAt: Timestamp?,
                    credentialID: String? = nil, credentialRevokedBy: String? = nil,
                    chain: [Link], principalDisabledAt: Timestamp?, principalID: String? = nil,
                    activePrincipalScopes: ScopeSet?, now: Timestamp) {
            self.credentialScopes = credentialScopes
            self.principalScopes = activePrincipalScopes
            self.chain = chain
            var from = Int64.min, until: Timestamp?
            func note(_ expiry: Timestamp?) {
                guard let e = expiry else { return }
                if e <= now { from = max(from, e) } else { until = min(until ?? e, e) }
            }
            note(credentialExpiresAt)
            for link in chain { note(link.expiresAt) }
            stableFrom = from
            stableUntil = until
            denial = chain.isEmpty ? .unknownCredential
                : standingDenial(credentialExpiresAt: credentialExpiresAt, credentialRevokedAt: credentialRevokedAt,
                                 credentialID: credentialID, credentialRevokedBy: credentialRevokedBy, chain: chain,
                                 principalDisabledAt: principalDisabledAt, principalID: principalID,
                                 activePrincipalScopes: activePrincipalScopes, now: now)
        }

        /// Whether deciding at `time` would read the expiries exactly as deciding at the `now`
        /// this standing was made for did.
        public func isStable(at time: Timestamp) -> Bool {
            time >= stableFrom && stableUntil.map { time < $0 } ?? true
        }

        /// Whether the chain stands: when it does not, every tool is denied and no tool's facts
        /// (its pin) need reading.
        public var stands: Bool { denial == nil }

        /// No credential matched the secret: every tool is denied `unknown_credential`.
        public static let unknownCredential = Standing(credentialScopes: .none, credentialExpiresAt: nil, credentialRevokedAt: nil,
                                                       chain: [], principalDisabledAt: nil, activePrincipalScopes: nil, now: 0)

        /// Whether the chain stands and its effective scopes (the intersection down it) allow
        /// some tool of `server`: what may report that server's tool list, which changes the
        /// pins every agent of the server is decided with.
        public func reaches(server: String) -> Bool {
            guard stands, let principalScopes else { return false }
            let effective = chain.reduce(credentialScopes.intersection(principalScopes)) { $0.intersection($1.grant) }
            return effective.members.contains { $0.server.matches(server[...]) }
        }

        /// Whether `server/tool` is inside the scopes down the chain (the credential's, every
        /// grant's, the active principal's), whatever else its standing says: an allow outside
        /// them was never Warden's.
        public func scopeAllows(server: String, tool: String) -> Bool {
            guard denial != .unknownCredential, let principalScopes else { return false }
            return credentialScopes.allows(server: server[...], tool: tool[...]) && principalScopes.allows(server: server[...], tool: tool[...])
                && chain.allSatisfy { $0.grant.allows(server: server[...], tool: tool[...]) }
        }

        /// The decision for one tool, in the order of rule 4.
        public func decide(server: Substring, tool: Substring, pin: ToolPinFacts = .unpinned) -> Decision {
            if denial == .unknownCredential { return .deny(.unknownCredential) }
            guard isValidToolName(tool) else { return .deny(.malformedRequest) }
            if let denial { return .deny(denial) }
            guard let principalScopes else { return .deny(.principalDisabled) }
            // Effective scopes are an intersection down the chain; a tool is in an intersection
            // exactly when every set allows it, so no set needs to be built here.
            guard credentialScopes.allows(server: server, tool: tool),
                  principalScopes.allows(server: server, tool: tool),
                  chain.allSatisfy({ $0.grant.allows(server: server, tool: tool) }) else {
                return .deny(.outOfScope)
            }
            if pin.denies { return .deny(.toolUnapproved) }
            return .allow
        }
    }
}
