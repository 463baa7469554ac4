/// A scope that could not be parsed, with the offending text and why.
public struct ScopeError: Error, Equatable, Sendable, CustomStringConvertible {
    public let scope: String
    public let problem: String
    public init(_ scope: String, _ problem: String) {
        self.scope = scope
        self.problem = problem
    }
    public var description: String { "invalid scope '\(scope)': \(problem)" }
}
