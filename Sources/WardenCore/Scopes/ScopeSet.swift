/// A set of scopes, kept minimal: no member is covered by another.
public struct ScopeSet: Hashable, Sendable, CustomStringConvertible {
    public private(set) var members: [Scope]

    public init<S: Sequence>(_ scopes: S) where S.Element == Scope {
        members = ScopeSet.minimized(Array(scopes))
    }

    public static let everything = ScopeSet([.everything])
    public static let none = ScopeSet([Scope]())

    /// Parses a comma-separated list (`github/get_*,slack/*`). Empty items are refused.
    public init(parsing list: String) throws(ScopeError) {
        var scopes: [Scope] = []
        for item in list.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = item.drop(while: { $0 == " " })
            let text = String(trimmed.reversed().drop(while: { $0 == " " }).reversed())
            if text.isEmpty { throw ScopeError(list, "empty item in the scope list") }
            scopes.append(try Scope(parsing: text))
        }
        self.init(scopes)
    }

    /// Parses a list of scope strings, e.g. from a JSON array.
    public init(parsing items: [String]) throws(ScopeError) {
        var scopes: [Scope] = []
        for item in items { scopes.append(try Scope(parsing: item)) }
        self.init(scopes)
    }

    public var isEmpty: Bool { members.isEmpty }

    /// Whether `server/tool` is allowed by some member.
    public func allows(server: Substring, tool: Substring) -> Bool {
        members.contains { $0.matches(server: server, tool: tool) }
    }

    /// Whether `"server/tool"` is allowed. A tool name without '/' is never allowed.
    public func allows(_ serverTool: String) -> Bool {
        guard let slash = serverTool.firstIndex(of: "/") else { return false }
        return allows(server: serverTool[..<slash], tool: serverTool[serverTool.index(after: slash)...])
    }

    /// Every member is covered by some member of `other`.
    public func isCovered(by other: ScopeSet) -> Bool { uncovered(by: other) == nil }

    /// The first member not covered by `other`, used to name the scope a refusal is about.
    public func uncovered(by other: ScopeSet) -> Scope? {
        members.first { m in !other.members.contains { m.isCovered(by: $0) } }
    }

    /// Side-by-side intersection of every pair, empty results dropped.
    public func intersection(_ other: ScopeSet) -> ScopeSet {
        if other.members == [.everything] { return self }
        if members == [.everything] { return other }
        // The usual case, a grant inside its delegator's scopes, needs no new set: every pair's
        // intersection is covered by a member of the covered side, which is already minimal.
        if covered(by: other) { return self }
        if other.covered(by: self) { return other }
        var out: [Scope] = []
        out.reserveCapacity(members.count)
        for a in members {
            for b in other.members { if let i = a.intersection(b) { out.append(i) } }
        }
        return ScopeSet(out)
    }

    /// Whether every member is covered by some member of `other`.
    func covered(by other: ScopeSet) -> Bool {
        members.allSatisfy { m in other.members.contains { m.isCovered(by: $0) } }
    }

    /// Members minus those covered by any scope in `drop`.
    public func removing(_ drop: ScopeSet) -> ScopeSet {
        ScopeSet(members.filter { m in !drop.members.contains { m.isCovered(by: $0) } })
    }

    public var strings: [String] { members.map(\.description) }
    public var description: String { members.isEmpty ? "(none)" : strings.joined(separator: ",") }

    /// Sorted, de-duplicated, and without members covered by another member.
    static func minimized(_ scopes: [Scope]) -> [Scope] {
        if scopes.count <= 1 { return scopes }
        let unique = Array(Set(scopes)).sorted()
        var kept: [Scope] = []
        for (i, s) in unique.enumerated() {
            let redundant = unique.enumerated().contains { j, o in j != i && s.isCovered(by: o) }
            if !redundant { kept.append(s) }
        }
        return kept
    }
}
