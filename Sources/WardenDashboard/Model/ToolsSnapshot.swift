import WardenCore

/// Tool pinning as the Tools view shows it: every pinned tool, the definitions it is reviewed
/// by, the last hour's calls, and which agents' effective scopes cover each tool. Read with the
/// snapshot (pins are governed state: reloaded when the journal says they changed).
public struct ToolsSnapshot: Sendable {
    /// By server, then tool.
    public var pins: [ToolPin] = []
    public var servers: [ToolServer] = []
    public var policies = ToolPolicies()
    /// Each pin's current definition and its approved ones (the diff's left side), by hash,
    /// prepared for display off the input path.
    public var definitions: [String: ToolDefinitionText] = [:]
    /// Calls and denials per `server/tool` since `activitySince` (the last hour).
    public var activity: [String: ToolActivityCount] = [:]
    /// Derived when pins or the fleet change, by pin index.
    public private(set) var coverage: [ToolCoverage] = []
    public private(set) var pinIndex: [String: Int] = [:]

    public init(pins: [ToolPin] = [], servers: [ToolServer] = [], policies: ToolPolicies = ToolPolicies(),
                definitions: [String: ToolDefinitionText] = [:], activity: [String: ToolActivityCount] = [:]) {
        self.pins = pins
        self.servers = servers
        self.policies = policies
        self.definitions = definitions
        self.activity = activity
        pinIndex = Dictionary(pins.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The same pins read again (a state recheck re-reads them): their coverage still holds.
    mutating func keepCoverage(of before: ToolsSnapshot) {
        if pins == before.pins { coverage = before.coverage }
    }

    public func pin(_ name: String) -> ToolPin? { pinIndex[name].map { pins[$0] } }

    /// Pins that wait for an operator: changed (quarantined after a change) or never approved.
    public var awaitingReview: Int { pins.lazy.filter { $0.status == .changed || $0.status == .pending }.count }

    /// The approved definition a changed tool is compared with: the newest approval's.
    public static func approvedHash(_ p: ToolPin) -> String? {
        p.decisions.last { $0.verdict == .approved && $0.hash != nil }?.hash
    }

    /// Which agents (not revoked) hold effective scopes that allow each tool. Agents are grouped
    /// by their effective scopes first: a large fleet has few distinct sets.
    mutating func rebuildCoverage(agents: [Agent], effective: (Int) -> ScopeSet) {
        pinIndex = Dictionary(pins.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        guard !pins.isEmpty else { coverage = []; return }
        var groups: [ScopeSet: [Int]] = [:]
        for (i, a) in agents.enumerated() where !a.isRevoked { groups[effective(i), default: []].append(i) }
        let sets = Array(groups)
        coverage = pins.map { p in
            var c = ToolCoverage()
            // The first agents in fleet order, whatever order the groups come in: the same
            // names on every rebuild (a dictionary's order differs from one instance to the next).
            var first: [Int] = []
            for (scopes, members) in sets where scopes.allows(server: p.server[...], tool: p.tool[...]) {
                c.count += members.count
                first += members.prefix(ToolCoverage.namesKept)
            }
            c.names = first.sorted().prefix(ToolCoverage.namesKept).map { agents[$0].name }.sorted()
            return c
        }
    }
}

public struct ToolActivityCount: Equatable, Sendable {
    public var calls: Int64
    public var denied: Int64
    public init(calls: Int64, denied: Int64) {
        self.calls = calls
        self.denied = denied
    }
}

/// How many agents' effective scopes allow a tool, and some of their names.
public struct ToolCoverage: Equatable, Sendable {
    public var count = 0
    public var names: [String] = []
    public static let namesKept = 12
}

/// A tool definition as a reviewer reads it: the description's text, and the rest of the
/// object (schema, annotations, `_meta`) as indented JSON lines. Raw: drawn only through the
/// sanitizer. The poisoning heuristic's signals come with it.
public struct ToolDefinitionText: Equatable, Sendable {
    /// As the store keeps it (RFC 8785): what the findings scan.
    public var canonical = ""
    public var description: String
    /// The object without its description, one JSON line each.
    public var schema: [String]
    public var signals: [ToolSignals.Signal]

    public init(description: String, schema: [String], signals: [ToolSignals.Signal]) {
        self.description = description
        self.schema = schema
        self.signals = signals
    }

    /// From the canonical text the store keeps; text that is not a JSON object is shown whole.
    public init(canonical: String) {
        guard let v = try? JSONParser.parse(canonical), case .object(let members) = v else {
            self.init(description: "", schema: canonical.split(separator: "\n", omittingEmptySubsequences: false).map(String.init), signals: [])
            return
        }
        let rest = JSONValue.object(members.filter { $0.0 != "description" })
        self.init(description: v["description"]?.string ?? "",
                  schema: JSONWriter.write(rest).split(separator: "\n", omittingEmptySubsequences: false).map(String.init),
                  signals: ToolSignals.scan(v))
        self.canonical = canonical
    }

    /// What the findings engine reads: each pin's current definition, canonical, by hash.
    static func current(_ tools: ToolsSnapshot) -> [String: String] {
        var out: [String: String] = [:]
        for p in tools.pins { if let d = tools.definitions[p.hash] { out[p.hash] = d.canonical } }
        return out
    }
}
