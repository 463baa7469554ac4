/// Terminal column widths of text, computed per grapheme cluster (Swift `Character`).
///
/// Rules: printable ASCII is 1; C0/C1 controls and clusters made only of combining or
/// format marks are 0; emoji presentation (including ZWJ sequences, flags and text emoji
/// followed by VS16) and East Asian Wide/Fullwidth characters are 2; everything else is 1.
public enum TextWidth {
    /// Columns a whole string occupies. ASCII strings take a byte loop with no decoding.
    public static func of(_ string: String) -> Int {
        if let fast = string.utf8.withContiguousStorageIfAvailable({ asciiWidth($0) }), let width = fast {
            return width
        }
        var width = 0
        for character in string { width += of(character) }
        return width
    }

    /// Width of printable ASCII bytes, or nil as soon as a non-ASCII byte appears.
    @inline(__always)
    static func asciiWidth(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var width = 0
        for byte in bytes {
            if byte >= 0x80 { return nil }
            if byte >= 0x20 && byte != 0x7F { width += 1 }
        }
        return width
    }

    /// Columns one grapheme cluster occupies: 0, 1 or 2.
    public static func of(_ character: Character) -> Int {
        if let ascii = character.asciiValue {
            return ascii >= 0x20 && ascii != 0x7F ? 1 : 0
        }
        let scalars = character.unicodeScalars
        let first = scalars.first!
        if scalars.count > 1 {
            for scalar in scalars.dropFirst() {
                // VS16 asks for emoji presentation; a ZWJ sequence renders as one emoji.
                if scalar.value == 0xFE0F || scalar.value == 0x200D {
                    if first.properties.isEmoji { return 2 }
                }
            }
        }
        return of(first)
    }

    /// Columns of a lone scalar (the base of a cluster).
    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x7F { return v >= 0x20 ? 1 : 0 }
        if v < 0xA0 { return 0 }  // DEL and C1 controls
        if v < 0x300 { return 1 }  // Latin-1 and Latin Extended
        // Blocks drawn on every frame (punctuation, arrows, box drawing, bars) hold no marks,
        // format characters or emoji-presentation scalars: skip the property lookups.
        if isCommonNarrow(v) { return 1 }
        if isWide(v) { return 2 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format, .control:
            return 0
        default:
            return scalar.properties.isEmojiPresentation ? 2 : 1
        }
    }

    @inline(__always)
    static func isCommonNarrow(_ v: UInt32) -> Bool {
        switch v {
        case 0x2010...0x2027,  // dashes, quotes, bullet, ellipsis
             0x2030...0x205E,  // per mille, primes, ‼ ⁉ (text presentation by default)
             0x2190...0x21FF,  // arrows
             0x2400...0x243F,  // control pictures (the sanitizer's output)
             0x2500...0x25FC:  // box drawing, block elements, geometric shapes up to ◼
            return true
        default:
            return false
        }
    }

    /// East Asian Wide and Fullwidth blocks (a compact subset of EastAsianWidth.txt; emoji are
    /// covered by `isEmojiPresentation` instead).
    static func isWide(_ v: UInt32) -> Bool {
        if v < 0x1100 { return false }
        for range in wideRanges {
            if v < range.lowerBound { return false }
            if v <= range.upperBound { return true }
        }
        return false
    }

    /// Sorted, non-overlapping ranges, free of combining and format characters (so they can be
    /// checked before the slower property lookups).
    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F,    // Hangul Jamo initial consonants
        0x2329...0x232A,    // angle brackets
        0x2E80...0x3029,    // CJK radicals, Kangxi, ideographic description, CJK symbols
        0x3030...0x303E,    // (U+302A–U+302F are combining tone marks)
        0x3041...0x3096,    // Hiragana
        0x309B...0x33FF,    // (U+3099–U+309A combine) Katakana, Bopomofo, Hangul compat Jamo, CJK compat
        0x3400...0x4DBF,    // CJK extension A
        0x4E00...0x9FFF,    // CJK unified ideographs
        0xA000...0xA4CF,    // Yi
        0xA960...0xA97F,    // Hangul Jamo extended A
        0xAC00...0xD7A3,    // Hangul syllables
        0xF900...0xFAFF,    // CJK compatibility ideographs
        0xFE10...0xFE19,    // vertical forms
        0xFE30...0xFE6F,    // CJK compatibility forms, small form variants
        0xFF00...0xFF60,    // fullwidth forms
        0xFFE0...0xFFE6,    // fullwidth signs
        0x16FE0...0x16FE3,  // ideographic symbols
        0x17000...0x18CFF,  // Tangut, Khitan
        0x1B000...0x1B2FF,  // Kana supplement and extensions, Nushu
        0x1F200...0x1F2FF,  // enclosed ideographic supplement
        0x20000...0x3FFFD,  // CJK extensions B–H (planes 2 and 3)
    ]
}

/// Columns `string` occupies in a terminal.
public func displayWidth(of string: String) -> Int { TextWidth.of(string) }

extension TextWidth {
    /// The longest end of `string` that fits in `width` cells (whole characters).
    public static func suffix(_ string: String, width: Int) -> String {
        var used = 0
        var start = string.endIndex
        while start > string.startIndex {
            let before = string.index(before: start)
            let w = of(string[before])
            if used + w > width { break }
            used += w
            start = before
        }
        return String(string[start...])
    }

    /// `string` if it fits in `width` cells, else `…` and its end: for identifiers, whose
    /// distinguishing part is the end (`…/triage-bot/7f3a`, not `spiffe://acme.examp…`).
    public static func keepingEnd(_ string: String, width: Int) -> String {
        guard width > 0 else { return "" }
        return of(string) <= width ? string : "…" + suffix(string, width: width - 1)
    }
}
