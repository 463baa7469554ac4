import Testing
import WardenCore

/// `Standing.stableFrom/stableUntil`: the span around `now` in which no expiry along the chain
/// falls, so a decision reused inside it is the one deciding again would give. Checked against
/// `decide` itself at every instant around each expiry.
struct StandingSpanTests {
    static func standing(credential: Timestamp?, chain: [Timestamp?], now: Timestamp) -> Authorization.Standing {
        Authorization.Standing(credentialScopes: .everything, credentialExpiresAt: credential, credentialRevokedAt: nil,
                               chain: chain.map { Authorization.Link(grant: .everything, expiresAt: $0, revokedAt: nil) },
                               principalDisabledAt: nil, activePrincipalScopes: .everything, now: now)
    }

    @Test func theSpanEndsAtTheEarliestExpiryAlongTheChain() {
        // No expiry of the credential's own; the agent at 300, an ancestor at 200, another at 500.
        let s = Self.standing(credential: nil, chain: [300, 200, 500], now: 100)
        #expect(s.stableFrom == .min && s.stableUntil == 200)
        #expect(s.isStable(at: 199) && !s.isStable(at: 200))
        let later = Self.standing(credential: nil, chain: [300, 200, 500], now: 250)
        #expect(later.stableFrom == 200 && later.stableUntil == 300)
        #expect(!later.isStable(at: 199) && later.isStable(at: 200) && later.isStable(at: 299) && !later.isStable(at: 300))
        #expect(Self.standing(credential: nil, chain: [nil, nil], now: 5).stableUntil == nil)
        #expect(Self.standing(credential: 50, chain: [nil, 80], now: 5).stableUntil == 50)
    }

    @Test func insideTheSpanEveryInstantDecidesAsItsStartDid() {
        let expiries: [Timestamp?] = [40, nil, 25, 60]
        for now in Timestamp(0)...Timestamp(70) {
            let s = Self.standing(credential: 30, chain: expiries, now: now)
            let answer = s.decide(server: "github", tool: "get_repo")
            for t in Timestamp(0)...Timestamp(70) where s.isStable(at: t) {
                #expect(Self.standing(credential: 30, chain: expiries, now: t).decide(server: "github", tool: "get_repo") == answer)
            }
        }
    }
}
