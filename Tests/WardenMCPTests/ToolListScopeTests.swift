import Foundation
import Testing
import WardenCore
import WardenSQLite
import WardenStore
@testable import WardenMCP

/// A `tools/list` is decided against one read of the credential's chain (`Gatekeeper.standing`)
/// instead of one `authorize` per tool: the list shown must be exactly the one the per-tool
/// rule gives — pin approved with the hash just seen, and `authorize` allows `server/tool` —
/// for tools in and out of scope, approved, pending, changed and rejected, on a live chain, a
/// revoked one, and with a secret that matches nothing.
struct ToolListScopeTests {
    /// Five in the bot's scopes (`Fleet.botScopes`), three outside them.
    static let names = ["echo", "add", "get_repo", "get_issue", "create_issue", "delete_repo", "exit", "search_code"]

    static func list(describing changed: Set<String> = []) -> JSONValue {
        let tools: [JSONValue] = names.map { name in
            .object([("name", .string(name)),
                     ("description", .string(changed.contains(name) ? "Now also reads ~/.ssh." : "Does \(name).")),
                     ("inputSchema", .object([("type", .string("object")), ("properties", .object([("n", .object([("type", .string("integer")), ("maximum", .number("10"))]))]))]))])
        }
        return .object([("jsonrpc", .string("2.0")), ("id", .number("1")), ("result", .object([("tools", .array(tools))]))])
    }

    func relay(_ fleet: Fleet, secret: String) throws -> Relay {
        let path = fleet.path
        let gate = Gatekeeper(store: try SQLiteBackend(path: path).open(for: .gate),
                              reopen: { () throws(StoreError) in try SQLiteBackend(path: path).open(for: .gate) }, secret: secret, clock: { now() },
                              note: { _ in })
        return Relay(gate: gate, recorder: Recorder(store: fleet.store, instanceID: "i-1", heartbeatSeconds: 60, clock: { 0 }),
                     secret: secret, clock: { now() }, agentID: fleet.bot.id, credentialID: fleet.token.credential.id,
                     instanceID: "i-1", fixedServerName: "github", clientOut: -1, via: .proxy, onServerName: { _ in })
    }

    /// The names `filterTools` shows.
    func shown(_ relay: Relay, _ list: JSONValue) -> [String] {
        let out = relay.filterTools(list, laterPage: false) ?? list
        return (out["result"]?["tools"]?.array ?? []).compactMap { $0["name"]?.string }
    }

    /// The per-tool rule, asked of the store after the list was recorded: the tool's pin is
    /// approved with the hash of the object listed, and `authorize` allows it.
    func perTool(_ fleet: Fleet, secret: String, _ list: JSONValue) throws -> [String] {
        let pins = try fleet.store.toolPins(server: "github")
        return try (list["result"]?["tools"]?.array ?? []).compactMap { (tool) throws -> String? in
            let seen = try ToolHash.observe(tool)
            guard let pin = pins.first(where: { $0.tool == seen.name }), pin.status == .approved, pin.hash == seen.hash,
                  try fleet.store.authorize(secret: secret, serverTool: "github/" + seen.name, now: now()).decision.isAllowed
            else { return nil }
            return seen.name
        }
    }

    @Test func theListShownIsThePerToolRulesAnswer() throws {
        let fleet = try Fleet(toolPolicy: .review)
        let secret = fleet.token.secret
        let r = try relay(fleet, secret: secret)
        let list = Self.list()

        #expect(shown(r, list).isEmpty, "first sight under review: every tool pending")
        #expect(try perTool(fleet, secret: secret, list).isEmpty)

        // In scope: echo, add, get_repo approved, get_issue rejected, create_issue left pending;
        // out of scope: delete_repo and exit approved, search_code pending.
        for name in ["echo", "add", "get_repo", "delete_repo", "exit"] {
            _ = try fleet.store.approveTool(server: "github", tool: name, hash: nil, mut())
        }
        _ = try fleet.store.rejectTool(server: "github", tool: "get_issue", hash: nil, mut("poisoned"))
        let mixed = shown(r, list)
        #expect(mixed == ["echo", "add", "get_repo"])
        #expect(try perTool(fleet, secret: secret, list) == mixed)

        // add's definition changes: quarantined in this very answer.
        let changed = Self.list(describing: ["add"])
        let afterChange = shown(r, changed)
        #expect(afterChange == ["echo", "get_repo"])
        #expect(try perTool(fleet, secret: secret, changed) == afterChange)

        // A secret that matches nothing sees nothing; so does the per-tool rule.
        let stranger = try relay(fleet, secret: "wdn_not-a-credential")
        #expect(shown(stranger, changed).isEmpty)
        #expect(try perTool(fleet, secret: "wdn_not-a-credential", changed).isEmpty)

        // The bot's delegator is revoked: the chain no longer stands, every tool is hidden.
        _ = try fleet.store.revokeAgent(fleet.lead.id, mut("compromised"))
        #expect(shown(r, changed).isEmpty)
        #expect(try perTool(fleet, secret: secret, changed).isEmpty)
    }

    /// A store that cannot give the chain hides the whole list (never an allow).
    @Test func aChainTheStoreCannotReadHidesTheList() throws {
        final class NoChain: GateStore, @unchecked Sendable {
            let inner: any GateStore
            init(_ inner: any GateStore) { self.inner = inner }
            func authorize(secret: String, serverTool: String, now: Timestamp) throws(StoreError) -> AuthorizationOutcome {
                try inner.authorize(secret: secret, serverTool: serverTool, now: now)
            }
            func authenticateGate(secret: String, now: Timestamp) throws(StoreError) -> GateAuthentication { .unknown }
            func standing(secret: String, now: Timestamp) throws(StoreError) -> CredentialStanding { throw .refused("no chain") }
            func renewCredential(secret: String, scopes: ScopeSet?, ttlMs: Int64?, policy: Policy, now: Timestamp,
                                 reason: String?) throws(StoreError) -> RenewedCredential { throw .refused("not used here") }
            func observeTools(server: String, tools: [ObservedTool], observer: String, at: Timestamp) throws(StoreError) -> [ToolPin] {
                try inner.observeTools(server: server, tools: tools, observer: observer, at: at)
            }
            func toolPins(server: String?) throws(StoreError) -> [ToolPin] { try inner.toolPins(server: server) }
        }
        let fleet = try Fleet(toolPolicy: .trust)
        let store = NoChain(try SQLiteBackend(path: fleet.path).open(for: .gate))
        let gate = Gatekeeper(store: store, reopen: { () throws(StoreError) in store }, secret: fleet.token.secret,
                              clock: { now() }, note: { _ in })
        let relay = Relay(gate: gate, recorder: Recorder(store: fleet.store, instanceID: "i-1", heartbeatSeconds: 60, clock: { 0 }),
                          secret: fleet.token.secret, clock: { now() }, agentID: fleet.bot.id, credentialID: fleet.token.credential.id,
                          instanceID: "i-1", fixedServerName: "github", clientOut: -1, via: .proxy, onServerName: { _ in })
        #expect(shown(relay, Self.list()).isEmpty)
        #expect(try fleet.store.toolPins(server: "github").allSatisfy { $0.status == .approved }, "recorded and approved, yet hidden")
    }
}
