/// A risk worth an operator's attention, with what it is about and the action that fixes it.
public struct Finding: Hashable, Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case escalation
        case staticCredential = "static_credential"
        case sharedCredential = "shared_credential"
        case useAfterRevoke = "use_after_revoke"
        case unregisteredAgent = "unregistered_agent"
        case staleInstance = "stale_instance"
        case unusedScopes = "unused_scopes"
        case deepDelegation = "deep_delegation"
        case stateDrift = "state_drift"
        case renewalStorm = "renewal_storm"
        /// A tool whose current definition is outside its approved set (a "rug pull").
        case toolDrift = "tool_drift"
        /// A tool waiting for an operator's first review.
        case toolPending = "tool_pending"
        /// Poisoning signals (`ToolSignals`) in a tool's current definition.
        case suspiciousTool = "suspicious_tool"
    }

    public enum Severity: Int, Sendable, Comparable, CaseIterable {
        case low = 1, medium, high
        public static func < (a: Severity, b: Severity) -> Bool { a.rawValue < b.rawValue }
        public var name: String {
            switch self {
            case .low: return "low"
            case .medium: return "medium"
            case .high: return "high"
            }
        }
    }

    public enum Subject: Hashable, Sendable {
        case agent(String)
        case credential(String)
        case instance(String)
        /// The store as a whole (its governed state against the journal).
        case store(String)
        /// A server's tool, as `SERVER/TOOL`.
        case tool(String)

        public var id: String {
            switch self {
            case .agent(let id), .credential(let id), .instance(let id), .store(let id), .tool(let id): return id
            }
        }
    }

    /// What fixes it: revoke (`x`) or narrow (`n`) the subject, or look into it.
    public enum Fix: String, Sendable {
        case revoke, narrow, investigate
    }

    public var kind: Kind
    public var severity: Severity
    public var subject: Subject
    /// One sentence for people.
    public var explanation: String
    public var fix: Fix
    /// The agent the finding concerns (for badges in Tree and Agents), when there is one.
    public var agentID: String?
    /// The complete `warden` command that acts on it, as arguments after `warden` (quoted for a
    /// shell where it is printed). One the rules accept: a revoke or narrow that makes the
    /// finding go away, or for `investigate` a read that shows the evidence.
    public var command: [String]
    /// The evidence, one line each, when one sentence cannot hold it (`suspicious_tool`: each
    /// signal's kind, JSON path and the text that matched). Untrusted text: sanitize to print.
    public var evidence: [String]

    public init(kind: Kind, severity: Severity, subject: Subject, explanation: String, fix: Fix, agentID: String?,
                command: [String], evidence: [String] = []) {
        self.evidence = evidence
        self.kind = kind
        self.severity = severity
        self.subject = subject
        self.explanation = explanation
        self.fix = fix
        self.agentID = agentID
        self.command = command
    }
}
