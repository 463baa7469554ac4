import Glibc
import NcursesTerminal
import TerminalUI
import WardenCore
import WardenStore
import WardenSystem

/// Runs the dashboard in the terminal: keys and resizes become messages, `update` decides,
/// the runner does store work on its own thread, and only changed cells are drawn.
public enum DashboardApp {
    public struct Options: Sendable {
        /// The store to show; the dashboard opens its own connection to it.
        public var store: any StoreBackend
        public var readOnly: Bool
        public var operatorName: String
        public var theme: Theme
        public var config: DashboardConfig
        public var themeSearch: [String]
        public init(store: any StoreBackend, readOnly: Bool, operatorName: String, theme: Theme,
                    config: DashboardConfig, themeSearch: [String]) {
            self.store = store
            self.readOnly = readOnly
            self.operatorName = operatorName
            self.theme = theme
            self.config = config
            self.themeSearch = themeSearch
        }
    }

    /// Runs until the operator quits; returns the IDs copied with `c` (the caller prints them
    /// once the terminal is restored, for terminals without OSC 52). Throws if the terminal
    /// cannot be set up.
    @discardableResult
    public static func run(_ o: Options) throws -> [String] {
        let terminal = try Terminal(options: .init(monochrome: false, mouse: o.config.mouse, ctrlCAsKey: true))
        defer { terminal.restore() }
        let fit = { (t: Theme) -> Theme in terminal.isMonochrome ? t.monochrome() : t.reduced(toColors: terminal.colorCount) }
        let theme = fit(o.theme)
        var state = DashboardState(now: WallClock.now(), width: terminal.width, height: terminal.height,
                                   readOnly: o.readOnly, operatorName: o.operatorName, storeLocation: o.store.location.description,
                                   theme: theme, keyMap: o.config.keyMap, environment: o.config.environment,
                                   environmentColor: o.config.environmentColor, policy: o.config.policy)
        state.mouse = o.config.mouse
        state.glyphs = o.config.ascii || !terminal.localeIsUTF8 ? Glyphs.ascii : Glyphs.unicode
        let runner = EffectRunner(store: o.store, readOnly: o.readOnly, operatorName: o.operatorName,
                                  refreshMs: o.config.refreshMs, policy: o.config.policy, themeSearch: o.themeSearch)
        runner.start()
        defer { runner.stop() }
        let rows = RowWorker()
        rows.start()
        defer { rows.stop() }
        var dirty = true
        var lastSecond: Int64 = 0

        func handle(_ msg: Msg) {
            var m = msg
            if case .themeLoaded(let t) = msg { m = .themeLoaded(fit(t)) }
            var effects = Update.update(&state, m)
            for case .copy(let text) in effects { terminal.copyToClipboard(text) }
            for case .buildRows(let job) in effects { rows.submit(job) }
            effects.removeAll {
                switch $0 {
                case .copy, .buildRows: return true
                default: return false
                }
            }
            runner.submit(effects)
            dirty = true
        }

        while !state.quit {
            let now = WallClock.now()
            if now / 1000 != lastSecond {
                lastSecond = now / 1000
                handle(.tick(now))
            }
            for msg in runner.outbox.drain() + rows.outbox.drain() { handle(msg) }
            if state.quit { break }
            if dirty {
                terminal.draw(Screen.render(&state))
                dirty = false
            }
            // The input timeout doubles as the refresh tick (htop's trick); keys wake it at once.
            // While rows are built off this thread, it looks for them every 10 ms.
            guard let event = terminal.readEvent(timeoutMs: state.building.isEmpty ? 100 : 10) else { continue }
            switch event {
            case .key(.ctrl("l")):
                terminal.forceFullRedraw()
                dirty = true
            case .key(let k): handle(.key(k))
            case .mouse(let m): handle(.mouse(m))
            case .resize(let w, let h):
                terminal.forceFullRedraw()
                handle(.resize(width: w, height: h))
            }
            // Keys that arrive together are handled before the next frame is drawn.
            while let more = terminal.readEvent(timeoutMs: 0) {
                switch more {
                case .key(let k): handle(.key(k))
                case .mouse(let m): handle(.mouse(m))
                case .resize(let w, let h):
                    terminal.forceFullRedraw()
                    handle(.resize(width: w, height: h))
                }
                if state.quit { break }
            }
        }
        return state.copied
    }
}
