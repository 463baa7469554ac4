import Glibc
import NcursesTerminal
import TerminalUI
import WardenCore
import WardenStore

/// What a command runs with: the global options, the environment, the time of the run, and
/// the way to the store. Output is written through here so tests of the binary see one stream.
final class Context: @unchecked Sendable {
    let globals: GlobalOptions
    let environment: [String: String]
    /// Read once per run: every time a command shows or records is this one.
    let now: Timestamp

    init(globals: GlobalOptions, environment: [String: String], now: Timestamp) {
        self.globals = globals
        self.environment = environment
        self.now = now
    }

    var json: Bool { globals.json }

    /// How wide tables may be (nil: unlimited); see `TerminalWidth`.
    var tableWidth: Int? { TerminalWidth.forTables(wide: globals.wide, environment: environment) }

    /// Where long free text is clipped in a table cell (nil with `--wide`: never).
    func clip(_ limit: Int) -> Int? { globals.wide ? nil : limit }

    // MARK: output

    /// Writes to stdout (buffered by the C library; flushed at exit).
    func out(_ text: String) {
        Stdio.write(asciiOut ? Glyphs.asciiText(text) : text)
    }

    /// ASCII on stdout with `--ascii`, or on a terminal whose locale is not UTF-8 (it would
    /// drop the tree's box characters); a pipe keeps UTF-8 for the program reading it.
    private(set) lazy var asciiOut: Bool = globals.ascii || (isatty(1) == 1 && !LocaleCharset.isUTF8())

    func line(_ text: String = "") { out(text + "\n") }

    /// Writes a note for the person at the terminal to stderr (never data scripts read).
    func note(_ text: String) {
        let ascii = globals.ascii || (isatty(2) == 1 && !LocaleCharset.isUTF8())
        Stdio.error(ascii ? Glyphs.asciiText(text + "\n") : text + "\n")
    }

    func emit(_ value: JSONValue) {
        out(JSONWriter.write(value) + "\n")
    }

    // MARK: who and where

    /// `--operator`, else `$WARDEN_OPERATOR`, else the OS user, else `$USER`.
    var operatorName: String { Operator.name(flag: globals.operatorName, environment: environment) }

    func mutation(reason: String? = nil) -> Mutation {
        Mutation(operatorName: operatorName, now: now, reason: reason)
    }

    /// The config file, read at most once per run (and only by commands that need it).
    private var loadedSettings: Settings?

    func settings() throws -> Settings {
        if let loadedSettings { return loadedSettings }
        let s = try Settings.load(environment: environment)
        loadedSettings = s
        return s
    }

    /// Where the store lives: `--db`, else `$WARDEN_DB`, else the config file's `db`.
    var storeLocation: StoreLocation {
        get throws { try StoreLocation.resolve(flag: globals.db, environment: environment) { try settings().store.db } }
    }

    /// The location as `--db` takes it (a file path for SQLite).
    var storePath: String { get throws { try storeLocation.description } }

    /// The backend at the store's location.
    var storeBackend: any StoreBackend { get throws { StoreAccess.backend(try storeLocation) } }

    /// Opens the existing store; read commands open it read-only.
    func openStore(readOnly: Bool) throws -> any FleetStore {
        try storeBackend.open(for: .operations(readOnly: readOnly))
    }
}

/// A failure while running a command (exit 2), with a message for people.
struct RuntimeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Ends the run with a code after output was written, with a message for stderr.
struct Exit: Error {
    let code: Int32
    let message: String
}

/// Who is acting: `--operator`, else `$WARDEN_OPERATOR`, else the config file's `operator`,
/// else the OS user, else `$USER`.
enum Operator {
    static func name(flag: String?, environment: [String: String], configured: String? = nil) -> String {
        if let o = flag { return o }
        if let o = environment["WARDEN_OPERATOR"], !o.isEmpty { return o }
        if let o = configured, !o.isEmpty { return o }
        if let pw = getpwuid(getuid()), let name = pw.pointee.pw_name {
            let s = String(cString: name)
            if !s.isEmpty { return s }
        }
        if let u = environment["USER"], !u.isEmpty { return u }
        return "uid:\(getuid())"
    }
}
