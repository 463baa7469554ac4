import Glibc
import WardenSystem
import TerminalUI

/// Finds `NAME.theme` in the theme folders and parses it.
public enum ThemeLoader {
    public struct NotFound: Error, CustomStringConvertible {
        public let name: String
        public let searched: [String]
        public var description: String {
            if searched.isEmpty { return "bad theme name '\(Sanitizer.clean(name, maxScalars: 40))': letters, digits, - and _" }
            return "no theme '\(name)' (looked in \(searched.joined(separator: ", ")))"
        }
    }

    /// Folders searched, in order: the user's config themes, ./Themes, Themes/ beside the
    /// package the binary was built from (up to four folders up), and `../share/warden/themes`
    /// beside an installed binary.
    public static func searchPaths(environment: [String: String], executable: String) -> [String] {
        var paths: [String] = []
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty { paths.append(xdg + "/warden/themes") } else if let home = environment["HOME"] {
            paths.append(home + "/.config/warden/themes")
        }
        paths.append(ProcessEnvironment.currentDirectory() + "/Themes")
        // .build/<config>/warden → the package root is three folders up.
        var folder = ProcessEnvironment.resolved(PathText.absolute(executable))
        let parent = PathText.parent
        let share = parent(parent(folder)) + "/share/warden/themes"
        for _ in 0..<4 {
            folder = parent(folder)
            paths.append((folder == "/" ? "" : folder) + "/Themes")
        }
        paths.append(share)
        var seen = Set<String>()
        return paths.filter { seen.insert($0).inserted }
    }

    public static func load(named name: String, searchPaths: [String]) throws -> Theme {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw NotFound(name: name, searched: [])
        }
        for folder in searchPaths {
            let file = folder + "/" + name + ".theme"
            if let bytes = try FileContents.read(file) {
                let text = String(decoding: bytes, as: UTF8.self)
                return try ThemeParser.parse(text, name: name, file: file)
            }
        }
        if name == "default" { return .builtin }
        throw NotFound(name: name, searched: searchPaths)
    }
}
