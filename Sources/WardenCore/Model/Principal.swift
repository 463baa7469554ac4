/// A root of authority: a human or a workload.
public struct Principal: Hashable, Sendable {
    public enum Kind: String, Sendable, CaseIterable { case human, workload }
    public enum Status: String, Sendable { case active, disabled }

    public var id: String
    public var kind: Kind
    public var name: String
    public var scopes: ScopeSet
    public var status: Status
    public var createdAt: Timestamp
    public var disabledAt: Timestamp?

    public init(id: String, kind: Kind, name: String, scopes: ScopeSet = .everything,
                status: Status = .active, createdAt: Timestamp, disabledAt: Timestamp? = nil) {
        self.id = id
        self.kind = kind
        self.name = name
        self.scopes = scopes
        self.status = status
        self.createdAt = createdAt
        self.disabledAt = disabledAt
    }

    /// The kind implied by an ID's prefix (`user:` → human, `workload:` → workload).
    public static func impliedKind(of id: String) -> Kind? {
        if id.hasPrefix("user:") { return .human }
        if id.hasPrefix("workload:") { return .workload }
        return nil
    }
}
