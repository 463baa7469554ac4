/// A terminal color. `default` is the terminal's own foreground or background.
public enum Color: Sendable, Hashable {
    case `default`
    /// An index into the 256-color palette (0–7 basic, 8–15 bright, 16–231 cube, 232–255 grays).
    case ansi(UInt8)
    /// A true color; terminals without it get the nearest xterm-256 (or 8-color) entry.
    case rgb(UInt8, UInt8, UInt8)

    public static let black = Color.ansi(0)
    public static let red = Color.ansi(1)
    public static let green = Color.ansi(2)
    public static let yellow = Color.ansi(3)
    public static let blue = Color.ansi(4)
    public static let magenta = Color.ansi(5)
    public static let cyan = Color.ansi(6)
    public static let white = Color.ansi(7)
    public static let brightBlack = Color.ansi(8)
    public static let brightRed = Color.ansi(9)
    public static let brightGreen = Color.ansi(10)
    public static let brightYellow = Color.ansi(11)
    public static let brightBlue = Color.ansi(12)
    public static let brightMagenta = Color.ansi(13)
    public static let brightCyan = Color.ansi(14)
    public static let brightWhite = Color.ansi(15)
}

/// Conversions between true color and the xterm-256 palette, used by backends that
/// cannot show true color. Pure functions so they can be tested without a terminal.
public enum Palette {
    /// The RGB value xterm uses for a palette index.
    public static func rgb(ofIndex index: UInt8) -> (r: UInt8, g: UInt8, b: UInt8) {
        let i = Int(index)
        if i < 16 {
            // xterm's defaults for the 16 basic colors.
            let table: [(UInt8, UInt8, UInt8)] = [
                (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0),
                (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
                (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0),
                (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
            ]
            return table[i]
        }
        if i < 232 {
            let c = i - 16
            return (cubeLevel(c / 36), cubeLevel((c / 6) % 6), cubeLevel(c % 6))
        }
        let gray = UInt8(8 + (i - 232) * 10)
        return (gray, gray, gray)
    }

    private static func cubeLevel(_ n: Int) -> UInt8 { n == 0 ? 0 : UInt8(55 + n * 40) }

    /// The nearest xterm-256 index (cube or gray ramp; never the themable 0–15).
    public static func nearestIndex(r: UInt8, g: UInt8, b: UInt8) -> UInt8 {
        func level(_ v: UInt8) -> Int { v < 48 ? 0 : v < 115 ? 1 : (Int(v) - 35) / 40 }
        let (cr, cg, cb) = (level(r), level(g), level(b))
        let cube = 16 + 36 * cr + 6 * cg + cb
        let average = (Int(r) + Int(g) + Int(b)) / 3
        let grayIndex = average > 238 ? 23 : max(0, (average - 3) / 10)
        let gray = 232 + grayIndex
        return distance(UInt8(cube), r, g, b) <= distance(UInt8(gray), r, g, b) ? UInt8(cube) : UInt8(gray)
    }

    /// The nearest of the first `count` basic colors (8 or 16) to a palette index.
    public static func nearestBasic(toIndex index: UInt8, count: Int = 8) -> UInt8 {
        if Int(index) < count { return index }
        let (r, g, b) = rgb(ofIndex: index)
        var best: UInt8 = 0
        var bestDistance = Int.max
        for candidate in 0..<UInt8(max(1, min(count, 16))) {
            let d = distance(candidate, r, g, b)
            if d < bestDistance { (best, bestDistance) = (candidate, d) }
        }
        return best
    }

    private static func distance(_ index: UInt8, _ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        let c = rgb(ofIndex: index)
        let dr = Int(c.r) - Int(r), dg = Int(c.g) - Int(g), db = Int(c.b) - Int(b)
        return dr * dr + dg * dg + db * db
    }
}
