import Testing
@testable import WardenCore

@Suite("Fleet documents")
struct FleetDocumentTests {
    let good = """
    {"trust_domain": "acme.example",
     "principals": [{"id": "user:alice@acme.example", "name": "Alice"}],
     "agents": [{"name": "bot", "by": "user:alice@acme.example", "scopes": ["github/*"], "ttl": "7d",
                 "instances": [{"id": "i1", "host": "h", "pid": 7}],
                 "credentials": [{"ttl": "1h", "instance": "i1"}, {"secret": "sk-live-0123456789abcdef"}],
                 "delegates": [{"name": "sub", "scopes": ["github/get_*"],
                                "delegates": [{"name": "subsub", "scopes": ["github/get_repo"]}]}]}]}
    """

    @Test func decodesNestedAgentsInOrder() throws {
        let d = try FleetDocument.decode(good)
        #expect(d.principals.map(\.kind) == [.human])
        #expect(d.agents.map(\.name) == ["bot", "sub", "subsub"])
        #expect(d.agents.map(\.parent) == [nil, 0, 1])
        #expect(d.agents[2].path == "agents[0].delegates[0].delegates[0]")
        #expect(d.agents[0].credentials[1].ttlMs == nil)
    }

    @Test(arguments: [
        (#"{"agents": [{"name":"a","by":"user:x@y","scopes":["*"]}, {"name":"b","by":"user:x@y","scopes":["*"]}, {"name":"c","by":"user:x@y","scopes":["*"],"delegates":[{"name":"d","scopes":["github/*","bad scope"]}]}]}"#,
         "agents[2].delegates[0].scopes[1]"),
        (#"{"principals": [{"id": "alice"}]}"#, "principals[0].id"),
        (#"{"principals": [{"id": "user:a@x", "kind": "robot"}]}"#, "principals[0].kind"),
        (#"{"agents": [{"name": "a", "scopes": ["*"]}]}"#, "agents[0].by"),
        (#"{"agents": [{"name": "a b", "by": "user:a@x", "scopes": ["*"]}]}"#, "agents[0].name"),
        (#"{"agents": [{"name": "a", "by": "user:a@x", "scopes": ["*"], "ttl": "forever"}]}"#, "agents[0].ttl"),
        (#"{"agents": [{"name": "a", "by": "user:a@x", "scope": ["*"]}]}"#, "agents[0].scope"),
        (#"{"agents": [{"name": "a", "by": "user:a@x", "scopes": ["*"], "credentials": [{"instance": "nope"}]}]}"#, "agents[0].credentials[0].instance"),
        (#"{"agents": [{"name": "a", "by": "user:a@x", "scopes": "github/*"}]}"#, "agents[0].scopes"),
        (#"{"principals": [{"id": "user:a@x"}, {"id": "user:a@x"}]}"#, "principals[1].id"),
    ])
    func errorsNameTheJSONPath(text: String, path: String) {
        do {
            _ = try FleetDocument.decode(text)
            Issue.record("should be refused")
        } catch {
            #expect(error.path == path, "\(error)")
        }
    }

    @Test func badJSONSaysWhere() {
        do {
            _ = try FleetDocument.decode("{\n\"agents\": [}")
            Issue.record("should be refused")
        } catch {
            #expect(error.description.contains("line 2"), "\(error)")
        }
    }
}
