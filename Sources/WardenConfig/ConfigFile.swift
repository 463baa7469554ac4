import WardenSystem

/// The config file every command shares, `$XDG_CONFIG_HOME/warden/config`: `key = value` lines,
/// `#` comments. Each key belongs to the module that uses it (a `ConfigSection`); this type only
/// reads lines, so a command that needs one key pays for one small file read.
public struct ConfigFile: Sendable {
    public struct Entry: Sendable, Equatable {
        public let key: String
        public let value: String
        public let line: Int
    }

    public let path: String
    public let entries: [Entry]

    public init(path: String, entries: [Entry] = []) {
        self.path = path
        self.entries = entries
    }

    /// `$XDG_CONFIG_HOME/warden/config`, else `~/.config/warden/config`.
    public static func path(environment: [String: String]) -> String {
        if let x = environment["XDG_CONFIG_HOME"], !x.isEmpty { return x + "/warden/config" }
        return (environment["HOME"] ?? ".") + "/.config/warden/config"
    }

    /// The file at its place; none there reads as an empty file.
    public static func load(environment: [String: String], sections: [any ConfigSection.Type]) throws(FileError) -> ConfigFile {
        let path = path(environment: environment)
        let bytes: [UInt8]?
        do { bytes = try FileContents.read(path) } catch { throw FileError(file: path, line: 0, message: "cannot read it: \(error.reason)") }
        guard let bytes else { return ConfigFile(path: path) }
        return try parse(String(decoding: bytes, as: UTF8.self), path: path, sections: sections)
    }

    /// The lines of a file; a line that is not `key = value`, or whose key no section owns, is
    /// an error at its line.
    public static func parse(_ text: String, path: String, sections: [any ConfigSection.Type]) throws(FileError) -> ConfigFile {
        var entries: [Entry] = []
        for (index, raw) in FileText.lines(text).enumerated() {
            let line = FileText.stripComment(raw)
            if line.isEmpty { continue }
            guard let eq = line.firstIndex(of: "=") else {
                throw FileError(file: path, line: index + 1, message: "expected `key = value`, got \(FileText.quoted(line))")
            }
            let key = line[..<eq].trimmingCharacters
            guard sections.contains(where: { $0.owns(key) }) else {
                throw FileError(file: path, line: index + 1, message: "unknown setting \(FileText.quoted(key))")
            }
            entries.append(Entry(key: key, value: line[line.index(after: eq)...].trimmingCharacters, line: index + 1))
        }
        return ConfigFile(path: path, entries: entries)
    }

    /// One section's settings, its keys read in line order; a bad value is an error at its line.
    public func section<S: ConfigSection>(_ type: S.Type = S.self, into initial: S = S()) throws(FileError) -> S {
        var s = initial
        for e in entries where S.owns(e.key) {
            do { try s.read(key: e.key, value: e.value) } catch {
                throw FileError(file: path, line: e.line, message: error.message)
            }
        }
        return s
    }
}

/// The keys one module owns in the config file, and how it reads their values.
public protocol ConfigSection: Sendable {
    init()
    static func owns(_ key: String) -> Bool
    mutating func read(key: String, value: String) throws(ConfigValueError)
}

/// A value its section refuses; the file adds where it is.
public struct ConfigValueError: Error, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}
