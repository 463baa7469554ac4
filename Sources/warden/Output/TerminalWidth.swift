import Glibc

/// How wide CLI tables may be. On a terminal: `$COLUMNS`, else the terminal's own size
/// (TIOCGWINSZ), else 80. Piped or redirected: unlimited, so scripts and files get every
/// character. `--wide` is unlimited everywhere.
enum TerminalWidth {
    static func forTables(wide: Bool, environment: [String: String]) -> Int? {
        if wide || isatty(1) != 1 { return nil }
        return columns(environment: environment, ioctlWidth: ioctlColumns())
    }

    /// The width of a terminal (pure, for tests): `COLUMNS` when it is a number, else what the
    /// terminal reports, else 80.
    static func columns(environment: [String: String], ioctlWidth: Int?) -> Int {
        if let c = environment["COLUMNS"].flatMap({ Int($0) }), c > 0 { return c }
        if let w = ioctlWidth, w > 0 { return w }
        return 80
    }

    static func ioctlColumns() -> Int? {
        var size = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0 else { return nil }
        return Int(size.ws_col)
    }
}
