import Foundation
import WardenCore
import WardenDashboard
import WardenStore

/// The config file (`$XDG_CONFIG_HOME/warden/config`), parsed as the dashboard parses it.
enum ConfigFile {
    static func load(_ environment: [String: String]) throws -> DashboardConfig {
        let path = DashboardConfig.path(environment: environment)
        guard let data = FileManager.default.contents(atPath: path) else { return DashboardConfig() }
        do { return try DashboardConfig.parse(String(decoding: data, as: UTF8.self), file: path) } catch {
            throw RuntimeError(TerminalText.safe(error.description))
        }
    }
}
