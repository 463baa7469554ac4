/// Text attributes that a terminal can combine.
public struct Attributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let bold = Attributes(rawValue: 1 << 0)
    public static let dim = Attributes(rawValue: 1 << 1)
    public static let underline = Attributes(rawValue: 1 << 2)
    public static let reverse = Attributes(rawValue: 1 << 3)
    public static let italic = Attributes(rawValue: 1 << 4)
}

/// Colors and attributes of a cell. A value type, cheap to copy and compare.
public struct Style: Sendable, Hashable {
    public var fg: Color
    public var bg: Color
    public var attributes: Attributes

    public init(fg: Color = .default, bg: Color = .default, attributes: Attributes = []) {
        self.fg = fg
        self.bg = bg
        self.attributes = attributes
    }

    public init(fg: Color = .default, bg: Color = .default, bold: Bool = false, dim: Bool = false,
                underline: Bool = false, reverse: Bool = false, italic: Bool = false) {
        var attributes: Attributes = []
        if bold { attributes.insert(.bold) }
        if dim { attributes.insert(.dim) }
        if underline { attributes.insert(.underline) }
        if reverse { attributes.insert(.reverse) }
        if italic { attributes.insert(.italic) }
        self.init(fg: fg, bg: bg, attributes: attributes)
    }

    public static let plain = Style()

    public var bold: Bool { attributes.contains(.bold) }
    public var dim: Bool { attributes.contains(.dim) }
    public var underline: Bool { attributes.contains(.underline) }
    public var reverse: Bool { attributes.contains(.reverse) }
    public var italic: Bool { attributes.contains(.italic) }

    /// This style with `other` laid on top: its non-default colors win, attributes add up.
    /// Used to highlight a row without losing each cell's own colors.
    public func patched(with other: Style) -> Style {
        Style(fg: other.fg == .default ? fg : other.fg,
              bg: other.bg == .default ? bg : other.bg,
              attributes: attributes.union(other.attributes))
    }

    public func fg(_ color: Color) -> Style { var s = self; s.fg = color; return s }
    public func bg(_ color: Color) -> Style { var s = self; s.bg = color; return s }
    public func adding(_ extra: Attributes) -> Style { var s = self; s.attributes.formUnion(extra); return s }
}
