/// A permission `server/tool`; `*` alone means everything.
public struct Scope: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let server: ScopePattern
    public let tool: ScopePattern

    public init(server: ScopePattern, tool: ScopePattern) {
        self.server = server
        self.tool = tool
    }

    public static let everything = Scope(server: .any, tool: .any)

    public init(parsing text: String) throws(ScopeError) {
        if text == "*" { self = .everything; return }
        guard let slash = text.firstIndex(of: "/") else {
            if text.isEmpty { throw ScopeError(text, "empty scope") }
            throw ScopeError(text, "expected SERVER/TOOL (or * for everything)")
        }
        server = try ScopePattern(parsing: text[..<slash], side: "server", in: text)
        tool = try ScopePattern(parsing: text[text.index(after: slash)...], side: "tool", in: text)
    }

    /// Whether `server/tool` is allowed by this scope.
    @inlinable public func matches(server s: Substring, tool t: Substring) -> Bool {
        server.matches(s) && tool.matches(t)
    }

    public func isCovered(by other: Scope) -> Bool {
        server.isCovered(by: other.server) && tool.isCovered(by: other.tool)
    }

    public func intersection(_ other: Scope) -> Scope? {
        guard let s = server.intersection(other.server), let t = tool.intersection(other.tool) else {
            return nil
        }
        return Scope(server: s, tool: t)
    }

    public var description: String {
        if server == .any && tool == .any { return "*" }
        return server.description + "/" + tool.description
    }

    public static func < (a: Scope, b: Scope) -> Bool { a.description < b.description }
}
