import Testing
import WardenCore

/// The strict parser refuses what JSON readers disagree on (issue 11 §1): a document it accepts
/// has one meaning everywhere.
struct StrictJSONTests {
    func failure(_ text: String) -> String? {
        do { _ = try JSONParser.parse(text); return nil } catch { return error.message }
    }

    @Test func duplicateKeysAreRefusedAtAnyDepth() {
        #expect(failure(#"{"a":1,"a":2}"#)?.contains("duplicate key \"a\"") == true)
        #expect(failure(#"{"x":[{"b":{"c":1,"c":1}}]}"#)?.contains("duplicate key \"c\"") == true)
        // Compared after unescaping: "\u006d" is "m".
        #expect(failure(#"{"method":"a","\u006dethod":"b"}"#)?.contains("duplicate key") == true)
        // Large objects too (the set path), and the same key in sibling objects is fine.
        let many = (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        #expect(failure("{\(many),\"k39\":0}")?.contains("duplicate key \"k39\"") == true)
        #expect(failure("{\(many)}") == nil)
        #expect(failure(#"[{"a":1},{"a":2}]"#) == nil)
    }

    @Test func unpairedSurrogatesAndInvalidUTF8AreRefused() throws {
        #expect(failure(#"["\ud800"]"#)?.contains("surrogate") == true)
        #expect(failure(#"["\udc00x"]"#)?.contains("surrogate") == true)
        #expect(failure(#"["\ud800\u0041"]"#)?.contains("surrogate") == true)
        #expect(try JSONParser.parse(#"["\ud83d\ude00"]"#) == .array([.string("\u{1F600}")]))
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(bytes: [0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(bytes: [0x22, 0xED, 0xA0, 0x80, 0x22]) }
    }
}

struct ToolNameRuleTests {
    @Test func theMCPRule() {
        for ok in ["a", "get_issue", "A.b-c_9", String(repeating: "x", count: 128)] {
            #expect(Authorization.isValidToolName(ok), "\(ok)")
        }
        for bad in ["", " ", "get issue", "a/b", "a*", "é", "a\u{0}", "tab\t", String(repeating: "x", count: 129)] {
            #expect(!Authorization.isValidToolName(bad), "\(bad)")
        }
        #expect(Authorization.recordableToolName(String(repeating: "é", count: 300)).unicodeScalars.count == 128)
    }

    @Test func malformedComesRightAfterUnknownCredential() {
        let link = Authorization.Link(grant: .everything, expiresAt: nil, revokedAt: 5)
        func decide(_ tool: Substring, chain: [Authorization.Link]) -> Authorization.Decision {
            Authorization.decide(credentialScopes: .everything, credentialExpiresAt: nil, credentialRevokedAt: nil, chain: chain,
                                 principalDisabledAt: nil, activePrincipalScopes: .everything, server: "s", tool: tool, now: 10)
        }
        #expect(decide("bad name", chain: []) == .deny(.unknownCredential))
        #expect(decide("bad name", chain: [link]) == .deny(.malformedRequest))
        #expect(decide("good", chain: [link]) == .deny(.agentRevoked))
    }
}
