import WardenStore

extension SQLiteStore {
    /// `integrity`: SQLite's `PRAGMA integrity_check`, its first five problems.
    public func healthChecks() throws(StoreError) -> [HealthCheck] {
        let problems = try integrityProblems()
        return [HealthCheck(name: "integrity", ok: problems.isEmpty,
                            detail: problems.isEmpty ? "ok" : problems.prefix(5).joined(separator: "; ")
                                + (problems.count > 5 ? " (and \(problems.count - 5) more)" : ""))]
    }
}
