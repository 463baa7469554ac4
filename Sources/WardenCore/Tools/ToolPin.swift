/// Tool pinning (issue 16): what each MCP server offers, pinned by the SHA-256 of each tool
/// object as the server sent it (RFC 8785 canonical form), and the operator's decisions on those
/// hashes. Pure values; the store keeps them as governed state.
public enum ToolStatus: String, Sendable, CaseIterable, Codable {
    /// The current definition's hash is in the tool's approved set.
    case approved
    /// Never approved in any form: new on a known server, or first seen under `review`.
    case pending
    /// The current definition is outside the approved set of a tool that has one (a "rug pull").
    case changed
    /// An operator rejected the current definition: it stays quarantined, and is no longer
    /// waiting for review.
    case rejected
    /// The server no longer lists the tool.
    case gone

    /// Only an approved tool is listed and callable.
    public var isCallable: Bool { self == .approved }
}

/// How first sight of a tool is recorded on one server.
public enum ToolPolicy: String, Sendable, CaseIterable {
    /// Recorded as pending until an operator approves it (the default).
    case review
    /// Approved at first sight (trust on first use); a later change is still quarantined.
    case trust
}

/// Whether tools of a server no enforcement point has seen listed are decided without pinning.
public enum UnknownServerPolicy: String, Sendable, CaseIterable {
    /// Nothing to pin: decided by identity and scope alone (the default).
    case allow
    /// Every tool of an unknown server is denied `tool_unapproved`.
    case deny
}

/// One operator (or policy) decision on a tool's definition.
public struct ToolDecision: Equatable, Sendable {
    public enum Verdict: String, Sendable { case approved, rejected }
    /// The definition's hash (hex); nil for the migration's approval of a tool "by name": it
    /// becomes an approval of the first definition seen, at first sight.
    public var hash: String?
    public var verdict: Verdict
    public var at: Timestamp
    public var by: String
    public var reason: String?
    public init(hash: String?, verdict: Verdict, at: Timestamp, by: String, reason: String?) {
        self.hash = hash
        self.verdict = verdict
        self.at = at
        self.by = by
        self.reason = reason
    }
}

/// A tool of a server as the store knows it: its current definition's hash and the decisions.
public struct ToolPin: Equatable, Sendable {
    public var server: String
    public var tool: String
    /// The hash of the definition last listed.
    public var hash: String
    public var firstSeenAt: Timestamp
    /// When the current hash was first listed.
    public var changedAt: Timestamp
    /// When the server stopped listing it (nil while listed).
    public var goneAt: Timestamp?
    public var decisions: [ToolDecision]

    public init(server: String, tool: String, hash: String, firstSeenAt: Timestamp, changedAt: Timestamp,
                goneAt: Timestamp?, decisions: [ToolDecision]) {
        self.server = server
        self.tool = tool
        self.hash = hash
        self.firstSeenAt = firstSeenAt
        self.changedAt = changedAt
        self.goneAt = goneAt
        self.decisions = decisions
    }

    /// `server/tool`.
    public var name: String { server + "/" + tool }
    public var status: ToolStatus { ToolPin.status(hash: hash, gone: goneAt != nil, decisions: decisions) }
    /// Approved hashes, oldest decision first.
    public var approvedHashes: [String] { decisions.compactMap { $0.verdict == .approved ? $0.hash : nil } }
    /// The decision on the current definition, if any.
    public var currentDecision: ToolDecision? { decisions.last { $0.hash == hash } }

    /// The one rule of a tool's status: gone when unlisted; approved when its hash is in the
    /// approved set; rejected when an operator rejected that hash; changed when other hashes
    /// were approved; pending otherwise.
    public static func status(hash: String, gone: Bool, decisions: [ToolDecision]) -> ToolStatus {
        if gone { return .gone }
        if decisions.contains(where: { $0.hash == hash && $0.verdict == .approved }) { return .approved }
        if decisions.contains(where: { $0.hash == hash && $0.verdict == .rejected }) { return .rejected }
        if decisions.contains(where: { $0.verdict == .approved }) { return .changed }
        return .pending
    }
}

/// A server whose tools are pinned, or that has a policy of its own.
public struct ToolServer: Equatable, Sendable {
    public var name: String
    /// Its own policy; nil: the store's default.
    public var policy: ToolPolicy?
    /// When an enforcement point first saw its tool list; nil: unknown (a policy set ahead).
    public var firstSeenAt: Timestamp?
    public init(name: String, policy: ToolPolicy?, firstSeenAt: Timestamp?) {
        self.name = name
        self.policy = policy
        self.firstSeenAt = firstSeenAt
    }
    public var isKnown: Bool { firstSeenAt != nil }
}

/// The store-wide pinning settings.
public struct ToolPolicies: Equatable, Sendable {
    /// For servers without a policy of their own.
    public var defaultPolicy: ToolPolicy
    public var unknownServers: UnknownServerPolicy
    public init(defaultPolicy: ToolPolicy = .review, unknownServers: UnknownServerPolicy = .allow) {
        self.defaultPolicy = defaultPolicy
        self.unknownServers = unknownServers
    }
}

/// A tool object as an enforcement point saw it in a `tools/list` result, canonicalized and
/// hashed there (the hash is computed once, on the list, never on a call).
public struct ObservedTool: Equatable, Sendable {
    public var name: String
    /// RFC 8785 form of the whole tool object.
    public var canonical: String
    /// SHA-256 of `canonical`, lowercase hex.
    public var hash: String
    public init(name: String, canonical: String, hash: String) {
        self.name = name
        self.canonical = canonical
        self.hash = hash
    }
}

/// What pinning says about one call, read by the store in the decision's round trip.
public struct ToolPinFacts: Equatable, Sendable {
    /// An enforcement point has seen the server's tool list.
    public var serverKnown: Bool
    /// The tool is listed now and its current definition's hash is approved.
    public var toolApproved: Bool
    public var unknownServers: UnknownServerPolicy
    public init(serverKnown: Bool, toolApproved: Bool, unknownServers: UnknownServerPolicy) {
        self.serverKnown = serverKnown
        self.toolApproved = toolApproved
        self.unknownServers = unknownServers
    }

    /// Nothing known, nothing denied (a store with no pins and the default policy).
    public static let unpinned = ToolPinFacts(serverKnown: false, toolApproved: false, unknownServers: .allow)

    /// Whether pinning denies the call: a known server's tool must be approved; a server never
    /// seen listed has nothing to pin unless unknown servers are denied.
    public var denies: Bool { serverKnown ? !toolApproved : unknownServers == .deny }
}
