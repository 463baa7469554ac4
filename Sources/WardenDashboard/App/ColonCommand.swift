import TerminalUI
import WardenCore

/// What a line typed after `:` does: switch view, quit, load a theme, show help, export.
enum ColonCommand {
    static func run(_ s: inout DashboardState, _ text: String) -> [Effect] {
        let words = text.split(separator: " ").map(String.init)
        guard let first = words.first else { return [] }
        if let v = ViewKind.named(first) {
            Update.switchView(&s, v)
            return []
        }
        switch first {
        case "q", "quit", "q!":
            s.quit = true
            return [.quit]
        case "theme":
            guard words.count == 2 else {
                Update.flash(&s, "usage: :theme NAME", error: true)
                return []
            }
            return [.loadTheme(words[1])]
        case "help":
            s.mode = .help
            return []
        case "export":
            // The rest of the line is the path (it may hold blanks).
            let path = text.drop { $0 == " " }.dropFirst(first.count).trimmingCharacters
            guard !path.isEmpty else {
                Update.flash(&s, "usage: :export FILE.csv or :export FILE.json", error: true)
                return []
            }
            guard let format = Export.format(of: path) else {
                Update.flash(&s, "export: \(path) must end in .csv or .json", error: true)
                return []
            }
            // A large store's first frame holds some principals' agents only: not a whole export.
            if s.snapshot.pending.contains(.structure) {
                Update.flash(&s, "export: the tree is still loading; try again in a moment", error: true)
                return []
            }
            // Exported as they would be shown: rows still being built are built now.
            if s.staleViews.contains(s.view) || s.building[s.view] != nil { RowBuilder.rebuild(&s, s.view) }
            let (out, rows) = Export.render(s, as: format)
            return [.export(path: path, text: out, rows: rows)]
        default:
            Update.flash(&s, "unknown command :\(first) (try \(viewCommands.joined(separator: " ")) :theme NAME :export FILE :q)", error: true)
            return []
        }
    }

    /// Each view's first `:` name, in tab order.
    static var viewCommands: [String] { ViewKind.allCases.map { ":" + $0.descriptor.commandNames[0] } }
}
