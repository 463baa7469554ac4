import WardenStore

// A write the server refuses for want of a privilege (SQLSTATE 42501: a role made by
// `warden store roles` that may not do it) reaches the operator as a sentence naming the
// login, its Warden role and what it may not do. The transaction has rolled back: nothing changed.
extension PostgresStore {
    /// The Warden group roles, in the order a login's are named.
    static let wardenRoles = ["warden_operator", "warden_ingest", "warden_gate", "warden_viewer"]

    /// Runs `body`, turning a permission refusal into "the store refused: LOGIN (ROLE) may not
    /// `action` (…)".
    func permitted<T>(_ action: String, _ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        do {
            return try body()
        } catch {
            guard case .refused(let message) = error, message.hasPrefix(PGError.permissionDenied) else { throw error }
            let detail = String(message.dropFirst(PGError.permissionDenied.count))
            throw .refused("the store refused: \(who()) may not \(action) (\(detail))")
        }
    }

    /// "ci_runner_7 (warden_gate)": the login and the Warden roles it is a member of.
    private func who() -> String {
        let login = (try? login()) ?? "this login"
        let list = Self.wardenRoles.map { "'\($0)'" }.joined(separator: ", ")
        let roles = (try? connection.query("""
            SELECT r.rolname FROM pg_catalog.pg_roles r
            WHERE r.rolname IN (\(list)) AND pg_catalog.pg_has_role(session_user, r.oid, 'MEMBER')
            """).map { $0.string(0) }) ?? []
        let ordered = Self.wardenRoles.filter(roles.contains)
        if ordered == [login] || ordered.isEmpty { return login }
        return "\(login) (\(ordered.joined(separator: ", ")))"
    }
}
