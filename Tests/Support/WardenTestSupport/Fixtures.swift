import WardenCore
import WardenStore

/// A scope set from text a test knows is valid.
public func scopes(_ s: String) -> ScopeSet { try! ScopeSet(parsing: s) }

/// An operator action by `tester` at `now`.
public func mutation(at now: Timestamp, reason: String? = nil) -> Mutation {
    Mutation(operatorName: "tester", now: now, reason: reason)
}
