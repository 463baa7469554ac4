import Testing
@testable import WardenCore

@Suite("Scope grammar")
struct ScopeGrammarTests {
    @Test func parsesLiteralsGlobsAndStar() throws {
        #expect(try Scope(parsing: "github/create_issue") == Scope(server: .literal("github"), tool: .literal("create_issue")))
        #expect(try Scope(parsing: "github/get_*") == Scope(server: .literal("github"), tool: .prefix("get_")))
        #expect(try Scope(parsing: "slack/*") == Scope(server: .literal("slack"), tool: .any))
        #expect(try Scope(parsing: "*") == .everything)
        #expect(try Scope(parsing: "*/*") == .everything)
        #expect(try Scope(parsing: "*/*").description == "*")
    }

    @Test(arguments: [
        ("", "empty"), ("github", "SERVER/TOOL"), ("github/", "tool side is empty"), ("/x", "server side is empty"),
        ("git*hub/x", "may only end"), ("github/get_**", "may only end"), ("github/a b", "space"),
        ("github/a\u{1B}b", "control"), ("a/b/c", "exactly one '/'"), ("github/*x", "may only end"),
    ])
    func refusesInvalidPatterns(text: String, message: String) {
        do {
            _ = try Scope(parsing: text)
            Issue.record("'\(text)' should be refused")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test func listParsingNamesTheBadItem() {
        do {
            _ = try ScopeSet(parsing: "github/*,slack")
            Issue.record("should refuse")
        } catch {
            #expect(error.scope == "slack")
        }
        #expect(throws: ScopeError.self) { try ScopeSet(parsing: "github/*,,slack/*") }
    }

    @Test func coversFollowsTheContract() throws {
        func c(_ a: String, _ b: String) throws -> Bool { try Scope(parsing: a).isCovered(by: Scope(parsing: b)) }
        #expect(try c("github/create_issue", "github/create_issue"))
        #expect(try !c("github/create_issue", "github/close_issue"))
        #expect(try c("github/get_repo", "github/get_*"))
        #expect(try c("github/get_repo_*", "github/get_*"))
        #expect(try !c("github/get_*", "github/get_repo_*"))
        #expect(try !c("github/get_*", "github/get_repo"))
        #expect(try c("github/*", "*"))
        #expect(try !c("*", "github/*"))
        #expect(try c("gh-a/x", "gh-*/x"))
    }

    @Test func intersectionIsSideBySide() throws {
        let a = try ScopeSet(parsing: "github/*,slack/post_message")
        let b = try ScopeSet(parsing: "github/get_*,slack/*,jira/*")
        #expect(a.intersection(b).strings == ["github/get_*", "slack/post_message"])
        #expect(try ScopeSet(parsing: "github/a").intersection(ScopeSet(parsing: "github/b")).isEmpty)
        #expect(ScopeSet.everything.intersection(a) == a)
    }

    @Test func setsAreMinimal() throws {
        #expect(try ScopeSet(parsing: "github/get_repo,github/*,github/get_*").strings == ["github/*"])
    }
}

/// Laws of the algebra over seeded random patterns.
@Suite("Scope algebra laws")
struct ScopeLawTests {
    static let servers = ["github", "gh", "slack", "postgres", "g"]
    static let tools = ["get_repo", "get_", "get_r", "create_issue", "c", "post_message", "query"]

    static func randomPattern(_ names: [String], _ rng: inout SeededRandom) -> ScopePattern {
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: return .any
        case 1, 2: return .literal(names.randomElement(using: &rng)!)
        default:
            let n = names.randomElement(using: &rng)!
            return .prefix(String(n.prefix(Int.random(in: 0...n.count, using: &rng))))
        }
    }

    static func randomScope(_ rng: inout SeededRandom) -> Scope {
        var s = Scope(server: randomPattern(servers, &rng), tool: randomPattern(tools, &rng))
        // prefix("") is written `*` and parses back as .any; keep one spelling.
        if case .prefix("") = s.server { s = Scope(server: .any, tool: s.tool) }
        if case .prefix("") = s.tool { s = Scope(server: s.server, tool: .any) }
        return s
    }

    static func randomSet(_ rng: inout SeededRandom) -> ScopeSet {
        ScopeSet((0..<Int.random(in: 1...4, using: &rng)).map { _ in randomScope(&rng) })
    }

    /// Every concrete name pair the laws are checked against.
    static let probes: [(Substring, Substring)] = servers.flatMap { s in
        (tools + ["get_repo_x", "zzz"]).map { (Substring(s), Substring($0)) }
    } + [("githubx", "get_repo"), ("sl", "query")]

    @Test func intersectionIsCoveredByBothSides() {
        var rng = SeededRandom(seed: 1)
        for _ in 0..<2000 {
            let a = Self.randomSet(&rng), b = Self.randomSet(&rng)
            let i = a.intersection(b)
            #expect(i.isCovered(by: a), "\(i) ⊄ \(a)")
            #expect(i.isCovered(by: b), "\(i) ⊄ \(b)")
            // And it matches exactly what both match.
            for (s, t) in Self.probes {
                #expect(i.allows(server: s, tool: t) == (a.allows(server: s, tool: t) && b.allows(server: s, tool: t)))
            }
        }
    }

    @Test func coversIsReflexiveAndTransitive() {
        var rng = SeededRandom(seed: 2)
        var transitiveChecks = 0
        for _ in 0..<20_000 {
            let a = Self.randomScope(&rng), b = Self.randomScope(&rng), c = Self.randomScope(&rng)
            #expect(a.isCovered(by: a))
            if a.isCovered(by: b) && b.isCovered(by: c) {
                transitiveChecks += 1
                #expect(a.isCovered(by: c), "\(a) ⊆ \(b) ⊆ \(c)")
            }
        }
        #expect(transitiveChecks > 100, "the generator must produce enough covered chains")
    }

    @Test func matchingAgreesWithCovers() {
        var rng = SeededRandom(seed: 3)
        for _ in 0..<2000 {
            let a = Self.randomScope(&rng), b = Self.randomScope(&rng)
            if a.isCovered(by: b) {
                for (s, t) in Self.probes where a.matches(server: s, tool: t) {
                    #expect(b.matches(server: s, tool: t), "\(a) ⊆ \(b) but \(s)/\(t)")
                }
            } else {
                // Not covered: some name a matches escapes b (probes include witnesses).
                let witness = Self.probes.contains { a.matches(server: $0.0, tool: $0.1) && !b.matches(server: $0.0, tool: $0.1) }
                    || Self.hasUnprobedWitness(a, b)
                #expect(witness, "\(a) ⊄ \(b) without a witness")
            }
        }
    }

    /// A name a matches but b does not, built from a's own prefixes (for globs the probes miss).
    static func hasUnprobedWitness(_ a: Scope, _ b: Scope) -> Bool {
        func sample(_ p: ScopePattern) -> [Substring] {
            switch p {
            case .any: return ["any-\u{1}", "zz"]
            case .prefix(let x): return [Substring(x), Substring(x + "zz")]
            case .literal(let x): return [Substring(x)]
            }
        }
        for s in sample(a.server) { for t in sample(a.tool) where a.matches(server: s, tool: t) && !b.matches(server: s, tool: t) { return true } }
        return false
    }

    @Test func parseAndPrintRoundTrip() throws {
        var rng = SeededRandom(seed: 4)
        for _ in 0..<1000 {
            let s = Self.randomScope(&rng)
            #expect(try Scope(parsing: s.description) == s)
        }
    }
}

@Suite("Scope intersection shortcut")
struct ScopeIntersectionShortcutTests {
    /// The shortcut for a set covered by the other must give what pairwise intersection gives.
    @Test func coveredSetsIntersectAsThePairwiseRuleSays() throws {
        let lists = ["*", "github/*", "github/get_*", "github/get_issue", "github/get_issue,slack/post",
                     "slack/*,github/get_*", "k8s/apply,k8s/get_*,postgres/query", "postgres/*", "k8s/*,postgres/*,slack/*"]
        let sets = try lists.map { try ScopeSet(parsing: $0) }
        for a in sets {
            for b in sets {
                var pairwise: [Scope] = []
                for x in a.members { for y in b.members { if let i = x.intersection(y) { pairwise.append(i) } } }
                #expect(a.intersection(b) == ScopeSet(pairwise), "\(a) ∩ \(b)")
            }
        }
    }
}
