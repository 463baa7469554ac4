import Testing
import WardenCore

/// `Authorization.Standing`: a chain decided once, then each tool of a list on it, must give
/// what `decide` gives per tool, reasons in rule 4's order: no credential first, then a
/// malformed tool name, then the chain's standing, then scope, then the pin.
struct StandingTests {
    static let now: Timestamp = 1_000_000
    static let tools: [Substring] = ["get_repo", "create_issue", "bad name", "get_issue"]
    static let pins: [ToolPinFacts] = [
        .unpinned,
        ToolPinFacts(serverKnown: true, toolApproved: true, unknownServers: .allow),
        ToolPinFacts(serverKnown: true, toolApproved: false, unknownServers: .allow),
        ToolPinFacts(serverKnown: false, toolApproved: false, unknownServers: .deny),
    ]

    struct Facts {
        var chain: [Authorization.Link]
        var credentialExpiresAt: Timestamp? = nil
        var credentialRevokedAt: Timestamp? = nil
        var principalDisabledAt: Timestamp? = nil
        var principalScopes: ScopeSet? = .everything

        var standing: Authorization.Standing {
            Authorization.Standing(credentialScopes: try! ScopeSet(parsing: "github/*"), credentialExpiresAt: credentialExpiresAt,
                                   credentialRevokedAt: credentialRevokedAt, chain: chain, principalDisabledAt: principalDisabledAt,
                                   activePrincipalScopes: principalScopes, now: StandingTests.now)
        }

        func decide(_ tool: Substring, _ pin: ToolPinFacts) -> Authorization.Decision {
            Authorization.decide(credentialScopes: try! ScopeSet(parsing: "github/*"), credentialExpiresAt: credentialExpiresAt,
                                 credentialRevokedAt: credentialRevokedAt, chain: chain, principalDisabledAt: principalDisabledAt,
                                 activePrincipalScopes: principalScopes, server: "github", tool: tool, pin: pin, now: StandingTests.now)
        }
    }

    static func link(_ grant: String, expiresAt: Timestamp? = nil, revokedAt: Timestamp? = nil) -> Authorization.Link {
        Authorization.Link(grant: try! ScopeSet(parsing: grant), expiresAt: expiresAt, revokedAt: revokedAt, id: "a", revokedBy: nil)
    }

    @Test func eachToolOfAListGetsWhatDecideGives() {
        let live = [Self.link("github/get_*"), Self.link("github/*")]
        let cases: [(Facts, [Authorization.Decision])] = [
            // Per tool: get_repo, create_issue, "bad name", get_issue; shown for the first pin (unpinned).
            (Facts(chain: live), [.allow, .deny(.outOfScope), .deny(.malformedRequest), .allow]),
            (Facts(chain: []), Array(repeating: .deny(.unknownCredential), count: 4)),
            (Facts(chain: live, credentialRevokedAt: 5), [.deny(.credentialRevoked), .deny(.credentialRevoked), .deny(.malformedRequest), .deny(.credentialRevoked)]),
            (Facts(chain: [Self.link("github/get_*"), Self.link("github/*", revokedAt: 5)]),
             [.deny(.ancestorRevoked), .deny(.ancestorRevoked), .deny(.malformedRequest), .deny(.ancestorRevoked)]),
            (Facts(chain: live, credentialExpiresAt: Self.now), [.deny(.credentialExpired), .deny(.credentialExpired), .deny(.malformedRequest), .deny(.credentialExpired)]),
            (Facts(chain: [Self.link("github/get_*", expiresAt: 10), Self.link("github/*")]),
             [.deny(.agentExpired), .deny(.agentExpired), .deny(.malformedRequest), .deny(.agentExpired)]),
            (Facts(chain: live, principalDisabledAt: 3, principalScopes: nil),
             [.deny(.principalDisabled), .deny(.principalDisabled), .deny(.malformedRequest), .deny(.principalDisabled)]),
            (Facts(chain: live, principalScopes: try! ScopeSet(parsing: "github/get_repo")),
             [.allow, .deny(.outOfScope), .deny(.malformedRequest), .deny(.outOfScope)]),
        ]
        for (facts, expected) in cases {
            let standing = facts.standing
            #expect(Self.tools.map { standing.decide(server: "github", tool: $0) } == expected, "\(facts.chain.count) links")
            #expect(standing.stands == (expected.first == .allow))
            for tool in Self.tools {
                for pin in Self.pins {
                    #expect(standing.decide(server: "github", tool: tool, pin: pin) == facts.decide(tool, pin), "\(tool) \(pin)")
                }
            }
        }
    }

    /// Scope outranks the pin: a tool outside the grant is `out_of_scope` whatever its pin says,
    /// and an unapproved tool inside it is `tool_unapproved`.
    @Test func scopeComesBeforeThePin() {
        let standing = Facts(chain: [Self.link("github/get_*")]).standing
        let unapproved = ToolPinFacts(serverKnown: true, toolApproved: false, unknownServers: .allow)
        #expect(standing.decide(server: "github", tool: "create_issue", pin: unapproved) == .deny(.outOfScope))
        #expect(standing.decide(server: "github", tool: "get_repo", pin: unapproved) == .deny(.toolUnapproved))
        #expect(standing.decide(server: "slack", tool: "get_repo", pin: unapproved) == .deny(.outOfScope))
        #expect(Authorization.Standing.unknownCredential.decide(server: "github", tool: "bad name") == .deny(.unknownCredential))
    }

    /// What may report a server's tool list: a chain that stands and whose effective scopes
    /// (the intersection down it, the principal's included) allow some tool of that server.
    @Test func aStandingReachesAServerOnlyThroughEverySetOfTheChain() {
        let live = Facts(chain: [Self.link("github/get_*"), Self.link("github/*,slack/*")]).standing
        #expect(live.reaches(server: "github"))
        #expect(!live.reaches(server: "slack"), "the credential's own scopes (github/*) leave slack out")
        #expect(!live.reaches(server: "git"), "a server pattern matches whole names")
        #expect(!Facts(chain: [Self.link("slack/*")]).standing.reaches(server: "github"), "the grant leaves github out")
        #expect(!Facts(chain: [Self.link("github/*")], principalScopes: try! ScopeSet(parsing: "slack/*")).standing.reaches(server: "github"))
        #expect(!Facts(chain: [Self.link("github/*")], credentialRevokedAt: 5).standing.reaches(server: "github"), "a revoked credential reaches nothing")
        #expect(!Facts(chain: [Self.link("github/*")], principalDisabledAt: 3, principalScopes: nil).standing.reaches(server: "github"))
        #expect(!Authorization.Standing.unknownCredential.reaches(server: "github"))
        #expect(Facts(chain: [Self.link("*")]).standing.reaches(server: "github"))
    }

    /// What an allow record may name: a tool inside every set of scopes down the chain,
    /// whether the chain still stands (a revoke after the call was allowed) or not.
    @Test func scopeAllowsReadsEverySetWhateverTheStanding() {
        let facts = Facts(chain: [Self.link("github/get_*"), Self.link("github/*")])
        #expect(facts.standing.scopeAllows(server: "github", tool: "get_repo"))
        #expect(!facts.standing.scopeAllows(server: "github", tool: "create_issue"), "the agent's grant")
        #expect(!facts.standing.scopeAllows(server: "slack", tool: "get_repo"), "the credential's scopes")
        var revoked = facts
        revoked.credentialRevokedAt = 5
        #expect(revoked.standing.scopeAllows(server: "github", tool: "get_repo"))
        #expect(!Facts(chain: [Self.link("github/*")], principalScopes: try! ScopeSet(parsing: "github/get_issue")).standing
            .scopeAllows(server: "github", tool: "get_repo"), "the principal's scopes")
        #expect(!Authorization.Standing.unknownCredential.scopeAllows(server: "github", tool: "get_repo"))
    }
}
