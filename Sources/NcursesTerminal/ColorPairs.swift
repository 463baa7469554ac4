import CNcurses
import TerminalUI

/// Maps styles to curses attributes and color pairs, allocating pairs on first use.
struct ColorPairs {
    /// Colors the terminal has (8, 16, 256…); 0 in monochrome mode.
    let colorCount: Int
    /// Whether -1 (the terminal's own color) is usable, after `use_default_colors`.
    let hasDefaultColors: Bool
    private let pairLimit: Int
    private var pairs: [Int32: Int16] = [:]
    private var styles: [Style: (attr_t, Int16)] = [:]
    private var nextPair: Int16 = 1

    init(colorCount: Int, pairCount: Int, hasDefaultColors: Bool) {
        self.colorCount = colorCount
        self.hasDefaultColors = hasDefaultColors
        // setcchar takes the pair as a short.
        self.pairLimit = min(pairCount, Int(Int16.max))
    }

    /// Attributes and pair for a style.
    mutating func resolve(_ style: Style) -> (attr_t, Int16) {
        if let known = styles[style] { return known }
        // Themes arrive reduced (Theme.reduced); this catches any other color, such as the
        // config's environment_color, the same way.
        let original = style
        let style = colorCount > 0 && colorCount < 256
            ? ColorReduction.reduce(style, toColors: colorCount, backdrop: .dark) : style
        var attributes = warden_a_normal()
        if style.bold { attributes |= warden_a_bold() }
        if style.dim { attributes |= warden_a_dim() }
        if style.underline { attributes |= warden_a_underline() }
        if style.reverse { attributes |= warden_a_reverse() }
        if style.italic { attributes |= warden_a_italic() }
        let result = (attributes, pair(fg: style.fg, bg: style.bg))
        styles[original] = result
        return result
    }

    private mutating func pair(fg: Color, bg: Color) -> Int16 {
        guard colorCount > 0 else { return 0 }
        let f = index(fg, isForeground: true), b = index(bg, isForeground: false)
        if f == -1 && b == -1 { return 0 }
        let key = Int32(f) << 16 | Int32(UInt16(bitPattern: b))
        if let known = pairs[key] { return known }
        // Out of pairs: fall back to the default colors rather than recycling a pair that
        // cells already on screen use.
        guard Int(nextPair) < pairLimit else { return 0 }
        let pair = nextPair
        guard init_pair(pair, f, b) != ERR else { return 0 }
        nextPair += 1
        pairs[key] = pair
        return pair
    }

    /// The curses color number for a color: -1 for default, the palette index when the
    /// terminal has it, else the nearest basic color.
    private func index(_ color: Color, isForeground: Bool) -> Int16 {
        switch color {
        case .default:
            return hasDefaultColors ? -1 : (isForeground ? 7 : 0)
        case .ansi(let n):
            return fit(n)
        case .rgb(let r, let g, let b):
            return fit(Palette.nearestIndex(r: r, g: g, b: b))
        }
    }

    private func fit(_ n: UInt8) -> Int16 {
        if Int(n) < colorCount { return Int16(n) }
        return Int16(Palette.nearestBasic(toIndex: n, count: colorCount >= 16 ? 16 : 8))
    }
}
