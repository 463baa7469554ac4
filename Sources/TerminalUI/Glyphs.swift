/// The character set a frame is drawn in. Views draw with Unicode glyphs; on a terminal whose
/// locale cannot show them (codeset not UTF-8, or `--ascii`) the finished frame is folded cell
/// by cell to ASCII. Each glyph keeps its cells (a wide one becomes its ASCII form and a
/// blank), so every width computed while drawing stays true and nothing shifts.
public enum Glyphs: String, Sendable, Hashable {
    case unicode, ascii

    /// The set for a locale codeset as `nl_langinfo(CODESET)` names it.
    public static func forCodeset(_ codeset: String) -> Glyphs {
        let name = codeset.lowercased().filter { $0 != "-" && $0 != "_" }
        return name == "utf8" ? .unicode : .ascii
    }

    /// The frame in this character set (unchanged for `.unicode`).
    public func apply(to buffer: inout Buffer) {
        guard self == .ascii else { return }
        buffer.mapSymbols(Glyphs.asciiCell)
    }

    /// A cell's symbol in ASCII: printable ASCII stays, known glyphs take their form, the
    /// right half of a wide character becomes a blank, anything else becomes `?`.
    public static func asciiCell(_ symbol: String) -> String {
        if symbol.isEmpty { return " " }
        if symbol.utf8.count == 1, let b = symbol.utf8.first, b >= 0x20, b < 0x7F { return symbol }
        guard let first = symbol.unicodeScalars.first else { return "?" }
        return asciiForm(of: first)
    }

    /// The ASCII stand-in for a scalar (the first of a cell's cluster).
    public static func asciiForm(of scalar: Unicode.Scalar) -> String {
        let v = scalar.value
        if v >= 0x20 && v < 0x7F { return String(scalar) }
        if let known = table[v] { return known }
        switch v {
        case 0x2400...0x241F, 0x2421: return "^"  // the sanitizer's Control Pictures
        case 0x2500...0x257F: return boxForm(v)
        default: return "?"  // includes the sanitizer's U+FFFD
        }
    }

    /// Box drawing by shape: corners and tees become `+`, lines `-`, `|` or `=`.
    private static func boxForm(_ v: UInt32) -> String {
        switch v {
        case 0x2500, 0x2501, 0x2504, 0x2505, 0x2508, 0x2509, 0x254C, 0x254D, 0x2574, 0x2576, 0x2578, 0x257A: return "-"
        case 0x2502, 0x2503, 0x2506, 0x2507, 0x250A, 0x250B, 0x254E, 0x254F, 0x2575, 0x2577, 0x2579, 0x257B, 0x2551: return "|"
        case 0x2550: return "="
        default: return "+"
        }
    }

    /// Glyphs the views draw, and their ASCII forms.
    static let table: [UInt32: String] = [
        // status: active, revoked, expired; `?` (unregistered) is ASCII already
        0x25CF: "*", 0x2717: "x", 0x231B: "~",
        // tree: ├ as `|-`, └ as `` `- `` (`tree --charset=ascii`), open and closed nodes
        0x251C: "|", 0x2514: "`", 0x25BE: "v", 0x25B8: ">",
        // principals: human, workload; instances: live, stale, stopped
        0x25C6: "@", 0x25C7: "%", 0x25C9: "o", 0x25CC: ":", 0x25CB: "-",
        // marks: finding, static credential, scopes kept, narrowed, removed
        0x2691: "F", 0x26A0: "!", 0x2713: "+", 0x25D0: "/", 0x2212: "-",
        // punctuation
        0x00B7: "-", 0x2014: "-", 0x2013: "-", 0x2026: ".", 0x00D7: "x", 0x203A: ">",
        // arrows and sort marks
        0x2191: "^", 0x2193: "v", 0x2190: "<", 0x2192: ">", 0x25B2: "^", 0x25BC: "v",
        // sparkline steps and blocks: a rising scale of ASCII marks
        0x2581: ".", 0x2582: ".", 0x2583: ":", 0x2584: ":", 0x2585: "=", 0x2586: "=", 0x2587: "#", 0x2588: "#",
        0x258F: "|", 0x258E: "|", 0x258D: "|", 0x258C: "|", 0x258B: "#", 0x258A: "#", 0x2589: "#",
        0x2591: ".", 0x2592: ":", 0x2593: "#",
    ]
}

extension Glyphs {
    /// Text for a line-oriented output (the CLI's tree and tables) in ASCII. A wide character
    /// becomes its form and a blank, so columns aligned by `TextWidth` stay aligned.
    public static func asciiText(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            if character.isASCII {
                out.append(character)
                continue
            }
            let width = TextWidth.of(character)
            guard width > 0, let first = character.unicodeScalars.first else { continue }
            out += asciiForm(of: first)
            if width == 2 { out += " " }
        }
        return out
    }
}
