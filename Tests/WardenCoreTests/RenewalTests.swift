import Testing
@testable import WardenCore

/// What `token renew` may grant, decided on the facts alone.
@Suite("Renewal")
struct RenewalPlanTests {
    static let now: Timestamp = 1_800_000_000_000
    static let minute: Int64 = 60_000
    static func set(_ s: String) -> ScopeSet { try! ScopeSet(parsing: s) }

    static let alice = Principal(id: "user:alice@acme.example", kind: .human, name: "Alice", scopes: set("github/*"),
                                 createdAt: now - 1_000_000)
    var lead = Agent(id: "spiffe://acme.example/agent/lead/0001", name: "lead", principalID: "user:alice@acme.example",
                     parentID: nil, depth: 1, grant: set("github/*"), createdAt: now - 1_000, expiresAt: now + 600 * minute)
    var worker = Agent(id: "spiffe://acme.example/agent/worker/0002", name: "worker", principalID: "user:alice@acme.example",
                       parentID: "spiffe://acme.example/agent/lead/0001", depth: 2, grant: set("github/get_*"),
                       createdAt: now - 1_000, expiresAt: now + 300 * minute)
    var credential = Credential(id: "tok_a", agentID: "spiffe://acme.example/agent/worker/0002", instanceID: "w-1",
                                scopes: set("github/get_issue,github/get_repo"), issuedAt: now - 40 * minute,
                                expiresAt: now + 20 * minute)
    var policy = Policy.standard

    func plan(scopes: String? = nil, ttl: Int64? = nil, successor: String? = nil) throws(Renewal.Refusal) -> Renewal.Plan {
        try Renewal.plan(credential: credential, chain: [worker, lead], principal: Self.alice, successor: successor,
                         requestedScopes: scopes.map(Self.set), requestedTTLMs: ttl, policy: policy, now: Self.now)
    }

    func refusal(scopes: String? = nil, ttl: Int64? = nil, successor: String? = nil) -> Renewal.Refusal? {
        do { _ = try plan(scopes: scopes, ttl: ttl, successor: successor); return nil } catch { return error }
    }

    @Test func defaultsKeepScopesAndLifetimeAndGiveTheOldOneTheGrace() throws {
        let p = try plan()
        #expect(p.scopes == credential.scopes)
        #expect(p.expiresAt == Self.now + 60 * Self.minute)
        #expect(p.oldExpiresAt == Self.now + 30_000)
    }

    @Test func narrowerIsHonouredWiderIsRefused() throws {
        #expect(try plan(scopes: "github/get_issue").scopes == Self.set("github/get_issue"))
        #expect(refusal(scopes: "github/get_*") == .scopeNotHeld(scope: "github/get_*", credential: "tok_a"))
        #expect(refusal(scopes: "github/get_issue,slack/post") == .scopeNotHeld(scope: "slack/post", credential: "tok_a"))
    }

    @Test func lifetimeNeverGrowsNorPassesPolicyOrTheChain() throws {
        #expect(try plan(ttl: 10 * Self.minute).expiresAt == Self.now + 10 * Self.minute)
        #expect(refusal(ttl: 61 * Self.minute) == .ttlExceedsOriginal(requested: 61 * Self.minute, original: 60 * Self.minute))
        var t = self
        t.policy.maxCredentialTTLMs = 30 * Self.minute
        // A credential living longer than policy allows is static: no renewal can keep it going.
        #expect(t.refusal(ttl: 20 * Self.minute) == .staticCredential("tok_a"))
        // The lead expires in 20 minutes: the renewal is cut there, never past it.
        t = self
        t.lead.expiresAt = Self.now + 20 * Self.minute
        #expect(try t.plan().expiresAt == Self.now + 20 * Self.minute)
        // The grace never lengthens a credential about to expire anyway.
        t = self
        t.credential.expiresAt = Self.now + 10_000
        t.credential.issuedAt = Self.now - 50_000
        #expect(try t.plan().oldExpiresAt == Self.now + 10_000)
    }

    @Test func refusedWithTheDecisionsReason() {
        var t = self
        t.lead.revokedAt = Self.now - 1
        t.lead.revokedBy = t.lead.id
        #expect(t.refusal()?.reason == .ancestorRevoked)
        t = self
        t.credential.revokedAt = Self.now - 1
        t.credential.revokedBy = "tok_a"
        #expect(t.refusal()?.reason == .credentialRevoked)
        t = self
        t.credential.expiresAt = Self.now
        #expect(t.refusal()?.reason == .credentialExpired)
        t = self
        t.worker.expiresAt = Self.now - 1
        #expect(t.refusal()?.reason == .agentExpired)
        t = self
        t.lead.expiresAt = Self.now - 1
        #expect(t.refusal()?.reason == .ancestorExpired)
    }

    @Test func staticAndAlreadyRenewedAreRefused() {
        var t = self
        t.credential.expiresAt = nil
        #expect(t.refusal() == .staticCredential("tok_a"))
        t = self
        t.credential.issuedAt = Self.now - 30 * 3_600_000
        #expect(t.refusal() == .staticCredential("tok_a"))
        #expect(refusal(successor: "tok_b") == .alreadyRenewed(credential: "tok_a", into: "tok_b"))
    }
}

@Suite("Findings: renewal storm")
struct RenewalStormTests {
    static let now = RenewalPlanTests.now
    static let minute: Int64 = 60_000

    /// `count` renewals of 10-minute credentials in the last hour by one unbound holder.
    static func input(_ count: Int, lifetime: Int64 = 10 * minute, instances: Int = 1) -> FindingsEngine.Input {
        let p = RenewalPlanTests.alice
        let a = Agent(id: "spiffe://acme.example/agent/bot/0001", name: "bot", principalID: p.id, parentID: nil, depth: 1,
                      grant: RenewalPlanTests.set("github/*"), createdAt: now - 86_400_000, expiresAt: now + 86_400_000)
        var creds: [Credential] = []
        for i in 0..<count {
            let at = now - 59 * minute + Int64(i) * (59 * minute / Int64(max(count, 1)))
            creds.append(Credential(id: "tok_\(i)", agentID: a.id, instanceID: instances > 1 ? "i-\(i % instances)" : nil,
                                    scopes: a.grant, issuedAt: at, expiresAt: at + lifetime,
                                    renewedFrom: i == 0 ? "tok_origin" : "tok_\(i - 1)"))
        }
        return .init(principals: [p], agents: [a], credentials: creds, instances: [Instance](), calls: [], usage: [:],
                     now: now, policy: .standard)
    }

    static func storms(_ input: FindingsEngine.Input) -> [Finding] {
        FindingsEngine.evaluate(input).filter { $0.kind == .renewalStorm }
    }

    @Test func renewingAsOftenAsLifetimesNeedIsNoStorm() {
        // 10-minute lifetimes need 6 renewals an hour; 4 × 6 = 24 is still tolerated.
        #expect(Self.storms(Self.input(6)).isEmpty)
        #expect(Self.storms(Self.input(24)).isEmpty)
        // Ten holders each renewing hourly-ish credentials are no storm either.
        #expect(Self.storms(Self.input(200, instances: 10)).isEmpty)
    }

    @Test func farAboveWhatLifetimesNeedIsAStormWithCounts() throws {
        let found = Self.storms(Self.input(25))
        let f = try #require(found.first)
        #expect(found.count == 1)
        #expect(f.severity == .high)
        #expect(f.subject == .agent("spiffe://acme.example/agent/bot/0001"))
        #expect(f.explanation.contains("renewed 25 credentials") && f.explanation.contains("need about 6"), "\(f.explanation)")
        #expect(f.command == ["revoke", "spiffe://acme.example/agent/bot/0001"])
    }

    @Test func aFewRenewalsAreNeverAStorm() {
        // Hour-long lifetimes need one renewal; nine is many times that but below the minimum.
        #expect(Self.storms(Self.input(9, lifetime: 60 * Self.minute)).isEmpty)
        #expect(Self.storms(Self.input(10, lifetime: 60 * Self.minute)).count == 1)
    }
}
