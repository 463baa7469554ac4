import Glibc
import NcursesTerminal
import WardenCore
import WardenDashboard
import WardenStore

/// `warden` alone: the dashboard on the store. Reads the config file and the theme, then hands
/// the terminal to WardenDashboard.
enum DashboardCommand {
    /// `backend`: the store to show (the demo's); nil → the one `--db`, the environment or the
    /// config file names.
    static func run(globals: GlobalOptions, environment: [String: String], backend: (any StoreBackend)?) -> Int32 {
        let settings: Settings
        do { settings = try Settings.load(environment: environment) } catch {
            CLI.fail(String(describing: error))
            return 2
        }
        var config = settings.dashboard
        if globals.ascii { config.ascii = true }
        let backend = backend ?? StoreAccess.backend(StoreLocation.resolve(flag: globals.db, environment: environment) { settings.store.db })
        // The store must exist and open before the terminal is taken over, so errors read plainly.
        let readOnly = globals.readOnly || config.readOnly
        do { _ = try backend.open(for: .dashboard(readOnly: readOnly)) } catch {
            CLI.fail(TerminalText.safe(error.description))
            return 2
        }
        let search = ThemeLoader.searchPaths(environment: environment, executable: CommandLine.arguments[0])
        let themeName = globals.theme ?? config.theme ?? "default"
        let theme: Theme
        do { theme = try ThemeLoader.load(named: themeName, searchPaths: search) } catch {
            CLI.fail(TerminalText.safe(String(describing: error)))
            return 2
        }
        let operatorName = Operator.name(flag: globals.operatorName, environment: environment, configured: config.operatorName)
        do {
            let copied = try DashboardApp.run(.init(store: backend, readOnly: readOnly, operatorName: operatorName, theme: theme,
                                                    config: config, themeSearch: search))
            // For terminals that ignore OSC 52: what was copied, once the screen is back.
            if !copied.isEmpty {
                print("Copied in the dashboard:")
                for id in copied { print("  " + TerminalText.safe(id)) }
            }
        } catch TerminalError.notATerminal {
            CLI.fail("the dashboard needs a terminal (stdin and stdout must be a TTY); use the commands for scripts")
            return 2
        } catch TerminalError.unusableTerminal(let term) {
            CLI.fail("the dashboard cannot draw on this terminal (TERM=\(TerminalText.safe(term.isEmpty ? "unset" : term))): "
                     + "it needs one that can move the cursor, e.g. TERM=xterm-256color; use the commands for scripts")
            return 2
        } catch {
            CLI.fail("cannot start the dashboard: \(error)")
            return 2
        }
        return 0
    }
}
