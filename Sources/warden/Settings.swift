import WardenConfig
import WardenCore
import WardenDashboard
import WardenServe
import WardenStore
import WardenSystem

/// The CLI's own keys of the config file: `db`, where every command finds the store, and
/// `store_timeout`, how long a decision (`authorize`, the hooks, `mcp-proxy`) waits out a
/// failing store before denying `store_unavailable`.
struct StoreSection: ConfigSection {
    var db: String?
    var storeTimeoutMs = StoreRetry.defaultTimeoutMs

    static func owns(_ key: String) -> Bool { key == "db" || key == "store_timeout" }

    mutating func read(key: String, value: String) throws(ConfigValueError) {
        if key == "store_timeout" {
            do { storeTimeoutMs = try DurationText.parse(value) } catch {
                throw ConfigValueError("store_timeout: invalid duration \(FileText.quoted(value)): expected a whole number and a unit, e.g. 500ms, 2s, 1m")
            }
            return
        }
        guard !value.isEmpty else { throw ConfigValueError("db needs a path") }
        db = value
    }
}

/// The config file as the commands see it: every module's keys known (any other is an error
/// with `file:line`), each module's values read by its own section.
struct Settings {
    static let sections: [any ConfigSection.Type] = [StoreSection.self, DashboardConfig.self, PolicySection.self, ServeSection.self]

    let store: StoreSection
    let policy: Policy
    /// The dashboard's keys, with the policy its findings use.
    let dashboard: DashboardConfig

    static func load(environment: [String: String]) throws -> Settings {
        do {
            let file = try ConfigFile.load(environment: environment, sections: sections)
            let policy = try file.section(PolicySection.self).policy
            var dashboard = try file.section(DashboardConfig.self)
            dashboard.policy = policy
            return Settings(store: try file.section(StoreSection.self), policy: policy, dashboard: dashboard)
        } catch {
            throw RuntimeError(TerminalText.safe(error.description))
        }
    }
}
