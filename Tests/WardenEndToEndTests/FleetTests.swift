import Foundation
import Testing

/// Fleet documents, the tree, and every `--json` document.
@Suite("fleet")
struct FleetTests {
    @Test func sampleImportsWithEveryFeature() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        let imported = try s.ok("import", SampleFleet.path, "--json").jsonObject()
        #expect((imported["agents"] as? Int ?? 0) >= 15)
        #expect((imported["principals"] as? Int ?? 0) >= 3)

        let agents = try s.ok("agent", "ls", "--json").jsonArray()
        #expect(agents.count >= 15)
        #expect(agents.map { $0["depth"] as? Int ?? 0 }.max() ?? 0 >= 4)
        for field in ["id", "name", "status", "principal_id", "parent_id", "delegator_id", "depth", "grant",
                      "effective_scopes", "created_at", "expires_at", "revoked_at", "revoke_reason", "registered"] {
            #expect(agents[0].keys.contains(field), "agent ls --json lacks \(field)")
        }
        // The deliberate escalation: granted postgres/query, which its delegator never held.
        let escalator = try #require(agents.first { $0["name"] as? String == "ticket-escalator" })
        #expect((escalator["grant"] as? [String])?.contains("postgres/query") == true)
        #expect((escalator["effective_scopes"] as? [String])?.contains("postgres/query") == false)

        let tokens = try s.ok("token", "ls", "--json").jsonArray()
        #expect(tokens.filter { $0["static"] as? Bool == true }.count >= 2)
        #expect(tokens.contains { $0["status"] as? String == "expired" })
        #expect(!tokens.contains { $0.keys.contains("secret") })

        // Imported static keys authorize by their value, within effective scopes.
        let key = try s.run("authorize", "--token", "acme-release-key-2025-03-DO-NOT-USE-7731", "--tool", "github/create_release")
        #expect(key.stdout == "allow\n", "\(key)")
    }

    @Test func brokenDocumentNamesThePathAndChangesNothing() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("principal", "add", "user:carol@acme.example")
        let before = try s.ok("agent", "ls", "--json").stdout
        let headBefore = try s.ok("audit", "head").stdout

        var doc = try #require(try JSONSerialization.jsonObject(with: Data(try SampleFleet.text().utf8)) as? [String: Any])
        var agents = try #require(doc["agents"] as? [[String: Any]])
        var delegates = try #require(agents[2]["delegates"] as? [[String: Any]])
        var scopes = try #require(delegates[0]["scopes"] as? [String])
        scopes[1] = "github/list commits"
        delegates[0]["scopes"] = scopes
        agents[2]["delegates"] = delegates
        doc["agents"] = agents
        let broken = try s.write("broken.json", String(decoding: try JSONSerialization.data(withJSONObject: doc), as: UTF8.self))

        let r = try s.run("import", broken)
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains("agents[2].delegates[0].scopes[1]"), "\(r)")
        #expect(try s.ok("agent", "ls", "--json").stdout == before)
        #expect(try s.ok("audit", "head").stdout == headBefore)

        // A document the store refuses (a principal that already exists) also changes nothing.
        let clash = try s.write("clash.json", #"{"principals":[{"id":"user:dave@acme.example"},{"id":"user:carol@acme.example"}]}"#)
        let refused = try s.run("import", clash)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("principals[1]"), "\(refused)")
        #expect(try s.ok("principal", "ls", "--json").jsonArray().count == 1)

        let notJSON = try s.run(["import", "-"], stdin: "{ nope")
        #expect(notJSON.status == 2)
        #expect(notJSON.stderr.contains("not valid JSON"))
    }

    @Test func treeDrawsBoxesAndMarksRevoked() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("import", SampleFleet.path)
        try s.ok("revoke", "dup-finder")
        let tree = try s.ok("tree").stdout
        #expect(tree.contains("├── "))
        #expect(tree.contains("└── "))
        #expect(tree.contains("│   "))
        let line = try #require(tree.split(separator: "\n").first { $0.contains("dup-finder") })
        #expect(line.contains("✗ revoked"))
        let escalator = try #require(tree.split(separator: "\n").first { $0.contains("ticket-escalator") })
        #expect(escalator.contains("⚠ grant exceeds delegator (postgres/query)"))
        // The sample has exactly one escalation, the deliberate one.
        #expect(tree.split(separator: "\n").filter { $0.contains("⚠") }.count == 1)
        #expect(!tree.split(separator: "\n").first { $0.contains("issue-labeler") }!.contains("revoked"))

        let sub = try s.ok("tree", "code-review-agent").stdout
        let lines = sub.split(separator: "\n")
        #expect(lines.first?.hasPrefix("code-review-agent") == true)
        #expect(lines.count == 5)
        #expect(sub.contains("log-summarizer"))
        #expect(!sub.contains("triage-bot"))

        let json = try s.ok("tree", "--json").jsonArray()
        #expect(json.filter { $0["type"] as? String == "principal" }.count == 3)
        #expect(json.first { $0["name"] as? String == "log-summarizer" }?["tree_depth"] as? Int == 4)
    }

    @Test func deepChainDrawsWithoutOverflow() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "deep.example")
        // A 240-deep chain, built as a nested fleet document (JSON nesting is capped at 512, two
        // levels per agent). The drawing is iterative either way; this checks the indentation cap.
        let depth = 240
        var doc = ""
        for i in 0..<depth {
            doc += #"{"name":"a\#(i)","scopes":["*"]"# + (i == 0 ? #","by":"user:root@deep.example""# : "")
            if i < depth - 1 { doc += #","delegates":["# }
        }
        doc += String(repeating: "}]", count: depth - 1) + "}"
        let file = try s.write("deep.json", #"{"principals":[{"id":"user:root@deep.example"}],"agents":["# + doc + "]}")
        try s.ok("import", file)
        let tree = try s.ok("tree")
        let lines = tree.stdout.split(separator: "\n")
        #expect(lines.count == depth + 1)
        #expect(lines.last?.contains("a\(depth - 1)") == true)
        // Indentation is capped: no line grows with the depth.
        #expect(lines.map(\.count).max() ?? 0 < 400)
        let json = try s.ok("tree", "--json").jsonArray()
        #expect(json.count == depth + 1)
        let show = try s.ok("agent", "show", "a\(depth - 1)", "--json").jsonObject()
        #expect((show["chain"] as? [Any])?.count == depth)
    }

    @Test func everyReadCommandEmitsOneJSONDocument() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("import", SampleFleet.path)
        let key = "acme-ci-deploy-token-2024-06-rotate-me-0192"
        try s.ok("authorize", "--token", key, "--tool", "github/get_repo", "--record")

        #expect(try s.ok("principal", "ls", "--json").jsonArray().count == 3)
        #expect(try s.ok("token", "ls", "--json").jsonArray().count >= 10)
        #expect(try s.ok("calls", "--json").jsonArray().count == 1)
        let audit = try s.ok("audit", "--json").jsonArray()
        #expect(audit.count >= 1)
        for field in ["seq", "at", "operator", "action", "target", "before", "after", "reason", "prev_hash", "hash"] {
            #expect(audit[0].keys.contains(field), "audit --json lacks \(field)")
        }
        let head = try s.ok("audit", "head", "--json").jsonObject()
        #expect(head["seq"] as? Int == audit.last?["seq"] as? Int)
        #expect(head["hash"] as? String == audit.last?["hash"] as? String)

        let show = try s.ok("--json", "agent", "show", "deploy-bot").jsonObject()
        for field in ["chain", "principal", "instances", "credentials", "recent_calls", "narrowed_away", "effective_scopes"] {
            #expect(show.keys.contains(field), "agent show --json lacks \(field)")
        }
        #expect((show["recent_calls"] as? [Any])?.count == 1)
        let chain = try #require(show["chain"] as? [[String: Any]])
        #expect(chain.last?["name"] as? String == "deploy-bot")

        let auth = try s.ok("authorize", "--json", "--token", key, "--tool", "github/get_repo").jsonObject()
        #expect(auth["decision"] as? String == "allow")
        #expect(auth["reason"] is NSNull)
    }

    @Test func auditVerifiesAndDetectsAForeignHead() throws {
        let s = try Sandbox()
        try s.ok("init", "--trust-domain", "acme.example")
        try s.ok("principal", "add", "user:alice@acme.example")
        let head = try s.ok("audit", "head").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try s.ok("agent", "register", "a", "--by", "user:alice@acme.example", "--scopes", "x/y")
        let verified = try s.ok("audit", "--verify")
        #expect(verified.stdout.hasPrefix("intact"))
        try s.ok("audit", "--verify", "--expect-head", head)
        let seq = head.split(separator: ":")[0]
        let wrong = try s.run("audit", "--expect-head", "\(seq):" + String(repeating: "0", count: 64))
        #expect(wrong.status == 2, "\(wrong)")
        let future = try s.run("audit", "--expect-head", "99:" + String(repeating: "a", count: 64), "--json")
        #expect(future.status == 2)
        #expect(try future.jsonObject()["intact"] as? Bool == false)
        let malformed = try s.run("audit", "--expect-head", "nonsense")
        #expect(malformed.status == 1)
    }
}
