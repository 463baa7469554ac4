#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The background a theme is drawn on where it says `default`: black for dark themes, white for
/// light ones, as in xterm's default palette.
public enum Backdrop: Sendable, Hashable {
    case dark, light

    public var background: RGB { self == .dark ? RGB(0, 0, 0) : RGB(255, 255, 255) }
    /// The terminal's own text color on this backdrop (xterm's white, 7, or black).
    public var foreground: RGB { self == .dark ? RGB(229, 229, 229) : RGB(0, 0, 0) }
}

/// A color as red, green and blue, with what contrast and hue need.
public struct RGB: Sendable, Hashable {
    public var r, g, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { (self.r, self.g, self.b) = (r, g, b) }

    public init?(_ color: Color) {
        switch color {
        case .default: return nil
        case .ansi(let i): let c = Palette.rgb(ofIndex: i); self.init(c.r, c.g, c.b)
        case .rgb(let r, let g, let b): self.init(r, g, b)
        }
    }

    /// WCAG 2 relative luminance.
    public var luminance: Double {
        func channel(_ v: UInt8) -> Double {
            let x = Double(v) / 255
            return x <= 0.04045 ? x / 12.92 : pow((x + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    }

    /// WCAG 2 contrast ratio, 1…21.
    public func contrast(with other: RGB) -> Double {
        let (a, b) = (luminance, other.luminance)
        return (max(a, b) + 0.05) / (min(a, b) + 0.05)
    }

    /// Spread between the strongest and weakest channel: small for grays.
    var chroma: Int { Int(max(r, g, b)) - Int(min(r, g, b)) }
    var isGray: Bool { chroma < 40 }

    /// Hue in degrees, 0 red, 120 green, 240 blue.
    var hue: Double {
        let (rf, gf, bf) = (Double(r), Double(g), Double(b))
        let hi = max(rf, gf, bf), lo = min(rf, gf, bf), d = hi - lo
        guard d > 0 else { return 0 }
        var h: Double
        if hi == rf { h = (gf - bf) / d } else if hi == gf { h = 2 + (bf - rf) / d } else { h = 4 + (rf - gf) / d }
        h *= 60
        return h < 0 ? h + 360 : h
    }

}

/// Maps styles made for 256 colors (or true color) onto a terminal with 8 or 16, keeping what
/// each color means (its hue) and its contrast (WCAG AA, 4.5:1, against xterm's palette):
/// - a hue becomes the basic color of the nearest hue; if that is too faint on its background
///   (red or blue on black, green or yellow on white), the color moves to the background and the
///   text takes black or white, whichever reads;
/// - grays on the default background become the terminal's own text color, dim where they were
///   secondary, never black or the background's own color;
/// - a gray background close to the backdrop (a header bar, the selection) is dropped and the
///   style reversed, so the bar is still a bar; colors the terminal has are kept as written.
public enum ColorReduction {
    public static let minimumContrast = 4.5

    /// `style` for a terminal with `count` colors (unchanged at 256 and above).
    public static func reduce(_ style: Style, toColors count: Int, backdrop: Backdrop,
                              keepBackground: Bool = true) -> Style {
        guard count > 0, count < 256 else { return style }
        var out = style
        var bgRGB = backdrop.background
        var lostBackground = false
        if let rgb = RGB(style.bg), !fits(style.bg, count) {
            if rgb.isGray {
                // A gray on the backdrop's side of middle gray is a shade of the backdrop.
                if (rgb.luminance > 0.18) == (backdrop == .light) {
                    out.bg = .default
                    lostBackground = true
                } else {
                    out.bg = rgb.luminance > 0.18 ? .white : .black
                    bgRGB = RGB(out.bg)!
                }
            } else {
                out.bg = .ansi(nearestHue(rgb, count: count).first!)
                bgRGB = RGB(out.bg)!
            }
        } else if let rgb = RGB(style.bg) {
            bgRGB = rgb
        }
        if let rgb = RGB(style.fg), !fits(style.fg, count) {
            if rgb.isGray {
                if out.bg == .default {
                    out.fg = .default
                    if rgb.contrast(with: bgRGB) < 7 { out.attributes.insert(.dim) }
                } else {
                    out.fg = blackOrWhite(on: bgRGB, preferLight: rgb.luminance > 0.18)
                }
            } else if let fg = nearestHue(rgb, count: count).first(where: {
                RGB(.ansi($0))!.contrast(with: bgRGB) >= minimumContrast && Color.ansi($0) != out.bg
            }) {
                out.fg = .ansi(fg)
            } else if out.bg == .default && !lostBackground {
                // Too faint as text: the hue becomes the background, the text black or white,
                // if that reads better (xterm's magenta is 4.48:1 either way: it stays text).
                let hue = nearestHue(rgb, count: count).first!
                let swapped = blackOrWhite(on: RGB(.ansi(hue))!, preferLight: false)
                if RGB(swapped)!.contrast(with: RGB(.ansi(hue))!) > RGB(.ansi(hue))!.contrast(with: bgRGB) {
                    out.bg = .ansi(hue)
                    out.fg = swapped
                } else {
                    out.fg = .ansi(hue)
                }
            } else {
                out.fg = blackOrWhite(on: bgRGB, preferLight: rgb.luminance > 0.18)
            }
        }
        if lostBackground && keepBackground {
            // The bar stays a bar: reversed, in the text's color if it has one.
            out.attributes.formSymmetricDifference(.reverse)
            out.attributes.remove(.dim)
            if out.fg == .black || out.fg == .white { out.fg = .default }
        }
        return out
    }

    /// The best contrast a basic hue reaches on the backdrop, as text or as background; what
    /// AA can ask of it (xterm's magenta: 4.48:1).
    public static func bestContrast(ofBasic index: UInt8, backdrop: Backdrop) -> Double {
        let hue = RGB(.ansi(index))!
        return max(hue.contrast(with: backdrop.background), RGB(blackOrWhite(on: hue, preferLight: false))!.contrast(with: hue))
    }

    /// One basic hue (1–6) each for these colors, all different, nearest in total hue
    /// distance; nil for a gray or missing color, which keeps its own mapping.
    public static func distinctHues(for colors: [RGB?]) -> [UInt8?] {
        let hues: [(UInt8, Double)] = [(1, 0), (3, 60), (2, 120), (6, 180), (4, 240), (5, 300)]
        func distance(_ a: Double, _ b: Double) -> Double { let d = abs(a - b); return min(d, 360 - d) }
        var best: [UInt8?] = colors.map { _ in nil }
        var bestCost = Double.infinity
        var current: [UInt8?] = []
        func search(_ i: Int, _ cost: Double) {
            if cost >= bestCost { return }
            if i == colors.count { (best, bestCost) = (current, cost); return }
            guard let c = colors[i], !c.isGray else {
                current.append(nil); search(i + 1, cost); current.removeLast(); return
            }
            for (index, hue) in hues where !current.contains(index) {
                current.append(index)
                search(i + 1, cost + distance(c.hue, hue))
                current.removeLast()
            }
        }
        search(0, 0)
        return best
    }

    static func fits(_ color: Color, _ count: Int) -> Bool {
        if case .ansi(let i) = color { return Int(i) < count }
        return color == .default
    }

    /// Black or white text for a background: the preferred one if it reads, else the other.
    static func blackOrWhite(on bg: RGB, preferLight: Bool) -> Color {
        let light = RGB(229, 229, 229).contrast(with: bg), dark = RGB(0, 0, 0).contrast(with: bg)
        if preferLight { return light >= minimumContrast || light >= dark ? .white : .black }
        return dark >= minimumContrast || dark >= light ? .black : .white
    }

    /// Chromatic basic colors (1–6, and 9–14 with 16 colors) within 35° of `rgb`'s hue,
    /// nearest first; never empty.
    static func nearestHue(_ rgb: RGB, count: Int) -> [UInt8] {
        let hues: [(UInt8, Double)] = [(1, 0), (3, 60), (2, 120), (6, 180), (4, 240), (5, 300)]
        var candidates = hues
        if count >= 16 { candidates += hues.map { ($0.0 + 8, $0.1) } }
        func distance(_ h: Double) -> Double { let d = abs(h - rgb.hue); return min(d, 360 - d) }
        let sorted = candidates.sorted {
            let (a, b) = (distance($0.1), distance($1.1))
            return a != b ? a < b : $0.0 < $1.0
        }
        let near = sorted.filter { distance($0.1) <= 35 }.map(\.0)
        return near.isEmpty ? [sorted[0].0] : near
    }
}
