/// One side of a scope (`server` or `tool`): a literal name, a prefix glob (`get_*`) or `*`.
public enum ScopePattern: Hashable, Sendable, Comparable {
    case any
    case prefix(String)
    case literal(String)

    /// Parses one side. `what` names the side in error messages.
    public init(parsing text: Substring, side: String, in scope: String) throws(ScopeError) {
        if text.isEmpty { throw ScopeError(scope, "the \(side) side is empty") }
        for scalar in text.unicodeScalars {
            if scalar.value < 0x21 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                || scalar.properties.isWhitespace {
                throw ScopeError(scope, "the \(side) side contains a space or control character")
            }
            if scalar == "/" { throw ScopeError(scope, "a scope has exactly one '/' (SERVER/TOOL)") }
        }
        if text == "*" { self = .any; return }
        let stars = text.filter { $0 == "*" }.count
        if stars == 0 { self = .literal(String(text)); return }
        if stars == 1 && text.last == "*" { self = .prefix(String(text.dropLast())); return }
        throw ScopeError(scope, "'*' may only end the \(side) side (a prefix glob like get_*)")
    }

    /// Whether a concrete name is matched.
    @inlinable public func matches(_ name: Substring) -> Bool {
        switch self {
        case .any: return true
        case .prefix(let p): return name.hasPrefix(p)
        case .literal(let l): return name == l
        }
    }

    /// `self ⊆ other`: every name self matches is matched by other.
    public func isCovered(by other: ScopePattern) -> Bool {
        switch (self, other) {
        case (_, .any): return true
        case (.any, _): return false
        case (.literal(let a), .literal(let b)): return a == b
        case (.literal(let a), .prefix(let p)): return a.hasPrefix(p)
        case (.prefix(let q), .prefix(let p)): return q.hasPrefix(p)
        case (.prefix, .literal): return false
        }
    }

    /// The pattern matching exactly the names both match, or nil when none.
    public func intersection(_ other: ScopePattern) -> ScopePattern? {
        if isCovered(by: other) { return self }
        if other.isCovered(by: self) { return other }
        return nil  // disjoint: literals differ, or neither prefix extends the other
    }

    public var description: String {
        switch self {
        case .any: return "*"
        case .prefix(let p): return p + "*"
        case .literal(let l): return l
        }
    }
}
