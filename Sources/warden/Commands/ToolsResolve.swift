import WardenCore
import WardenStore

/// Resolving `SERVER/TOOL` and `--hash` as operators type them, with the suggestions other
/// commands give for a near miss.
enum ToolsResolve {
    /// `SERVER/TOOL` split at its first `/` (a server name holds none).
    static func split(_ text: String, _ inv: Invocation) throws -> (server: String, tool: String) {
        guard let slash = text.firstIndex(of: "/"), slash != text.startIndex, text.index(after: slash) != text.endIndex else {
            throw UsageError("'\(Redact.argument(text))' is not SERVER/TOOL (e.g. github/create_issue)", command: inv.command)
        }
        return (String(text[..<slash]), String(text[text.index(after: slash)...]))
    }

    /// The pin `SERVER/TOOL` names: an unknown server or tool is an error that names the close
    /// ones (`warden tools` lists them all).
    static func pin(_ text: String, _ inv: Invocation, in store: any FleetStore) throws -> ToolPin {
        let (server, tool) = try split(text, inv)
        let pins = try store.toolPins(server: server)
        if pins.isEmpty {
            try requireServer(server, in: store)
            throw RuntimeError("server '\(TerminalText.safe(server))' has listed no tools yet; `warden tools` lists the pinned ones")
        }
        guard let pin = pins.first(where: { $0.tool == tool }) else {
            let hint = Suggest.closest(to: tool, among: pins.map(\.tool)).map { "; did you mean `\(TerminalText.safe(server))/\(TerminalText.safe($0))`?" } ?? ""
            throw RuntimeError("server '\(TerminalText.safe(server))' lists no tool '\(TerminalText.safe(tool))'\(hint) (`warden tools --server \(TerminalText.safe(server))` lists its tools)")
        }
        return pin
    }

    /// Throws unless `server` has listed tools or has a policy of its own.
    static func requireServer(_ server: String, in store: any FleetStore) throws {
        let names = Set(try store.toolServers().map(\.name)).union(try store.toolPins(server: nil).map(\.server))
        if names.contains(server) { return }
        let hint = Suggest.closest(to: server, among: names).map { "; did you mean `\(TerminalText.safe($0))`?" } ?? ""
        throw RuntimeError("unknown tool server '\(TerminalText.safe(server))'\(hint) (servers become known when mcp-proxy sees their tool list; `warden tools` lists them)")
    }

    /// `--hash`: a whole hash, or a prefix of at least 8 hex digits (`warden tools` shows 12)
    /// of one of the tool's definitions (the current one or one decided on). Nil: not given.
    static func hash(_ flag: String, _ inv: Invocation, of pin: ToolPin) throws -> String? {
        guard let given = inv.text(flag) else { return nil }
        let lower = given.lowercased()
        if ToolHash.isHash(lower) { return lower }
        guard lower.count >= 8, lower.count < 64, lower.allSatisfy({ $0.isHexDigit }) else {
            throw UsageError("--\(flag): '\(Redact.argument(given))' is not a SHA-256 or a prefix of at least 8 hex digits of one", command: inv.command)
        }
        let known = Set([pin.hash] + pin.decisions.compactMap(\.hash)).filter { $0.hasPrefix(lower) }
        if known.count == 1 { return known.first }
        if known.isEmpty {
            throw RuntimeError("--\(flag) \(lower) is none of \(TerminalText.safe(pin.name))'s definitions; the current one is \(pin.hash.prefix(12)) (the server may have changed it since you looked: review it again)")
        }
        throw RuntimeError("--\(flag) \(lower) matches \(known.count) definitions of \(TerminalText.safe(pin.name)) (\(known.sorted().map { String($0.prefix(16)) }.joined(separator: ", "))); give more digits")
    }

    /// Signals in a definition, with the tools of other servers for shadowing (as the findings do).
    static func signals(_ definition: ToolDefinition, server: String, in store: any FleetStore) throws -> [ToolSignals.Signal] {
        let pins = try store.toolPins(server: nil).filter { $0.goneAt == nil }
        let own = Set(pins.filter { $0.server == server }.map(\.tool))
        let others = Set(pins.filter { $0.server != server }.map(\.tool)).subtracting(own)
        return ToolSignals.scan(definition.object, otherTools: others)
    }
}

/// The `--json` shapes of `warden tools …`.
enum ToolsJSON {
    static func decision(_ d: ToolDecision) -> JSONValue {
        .object([("hash", .optString(d.hash)), ("verdict", .string(d.verdict.rawValue)), ("at", .time(d.at)),
                 ("by", .string(d.by)), ("reason", .optString(d.reason))])
    }

    /// The latest approval of any of the tool's definitions.
    static func lastApproval(_ p: ToolPin) -> ToolDecision? { p.decisions.last { $0.verdict == .approved } }

    static func pinFields(_ p: ToolPin) -> [(String, JSONValue)] {
        let approval = lastApproval(p)
        return [
            ("server", .string(p.server)), ("tool", .string(p.tool)), ("status", .string(p.status.rawValue)),
            ("hash", .string(p.hash)), ("approved_hashes", .strings(p.approvedHashes)),
            ("approved_by", .optString(approval?.by)), ("approved_at", .time(approval?.at)),
            ("first_seen_at", .time(p.firstSeenAt)), ("changed_at", .time(p.changedAt)), ("gone_at", .time(p.goneAt)),
        ]
    }

    static func signal(_ s: ToolSignals.Signal) -> JSONValue {
        .object([("kind", .string(s.kind.rawValue)), ("path", .string(s.path)), ("matched", .string(s.matched))])
    }

    static func lines(_ diff: [LineDiff.Line]) -> JSONValue {
        .array(diff.map { .object([("op", .string($0.op.rawValue)), ("text", .string($0.text))]) })
    }
}
