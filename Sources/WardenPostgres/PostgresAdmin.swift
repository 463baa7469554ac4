import WardenStore

/// Server-level operations on a cluster (creating and dropping whole databases), made over a
/// connection to `server`'s database. Test support and tools use them; stores never do.
package enum PostgresAdmin {
    /// With `template`, the new database is a copy of that one (which no session may be using).
    package static func createDatabase(_ name: String, server: String, template: String? = nil) throws(StoreError) {
        let connection = try PGConnection(ConnectionString(server))
        let copy = template.map { " TEMPLATE \(quoteIdentifier($0))" } ?? ""
        try connection.run("CREATE DATABASE \(quoteIdentifier(name))\(copy)")
    }

    /// Drops the database even while sessions are still connected to it.
    package static func dropDatabase(_ name: String, server: String) throws(StoreError) {
        let connection = try PGConnection(ConnectionString(server))
        try connection.run("DROP DATABASE IF EXISTS \(quoteIdentifier(name)) WITH (FORCE)")
    }

    /// `"name"`, doubling any quote inside.
    package static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingAll("\"", with: "\"\"") + "\""
    }
}
