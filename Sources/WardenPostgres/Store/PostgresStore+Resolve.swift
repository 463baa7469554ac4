import WardenCore
import WardenStore

extension PostgresStore {
    /// Resolves what an operator typed, by the rules' one reading (`FleetRules.resolve`).
    public func resolve(_ ref: String) throws(StoreError) -> EntityRef { try rules.resolve(ref) }
}
