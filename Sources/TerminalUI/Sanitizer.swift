/// The one gate for untrusted text (names, tool arguments, telemetry) on its way to a cell.
///
/// Everything a terminal could interpret is made visible and inert:
/// - C0 controls U+0000–U+001F become Control Pictures U+2400 + c (ESC → `␛`, so
///   `"\u{1B}[2J"` shows as `␛[2J`), and DEL becomes `␡`.
/// - C1 controls U+0080–U+009F (a lone U+009B is a CSI on some terminals) become `�` (U+FFFD).
/// - Bidi controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), which could reorder
///   what the operator reads, and U+2028/U+2029, which some terminals treat as newlines,
///   also become `�`. One glyph keeps width math trivial: every replacement is 1 column.
/// - Invalid UTF-8 (the `bytes:` variant) becomes `�`.
/// - Input longer than `maxScalars` is cut and ends with `…`; only the kept prefix is read,
///   so a megabyte name costs the same as a short one.
/// Zero-width joiners and combining marks stay: they join clusters and do not add width.
public enum Sanitizer {
    public static let defaultMaxScalars = 1024
    /// The glyph for C1 controls, bidi controls and invalid bytes.
    public static let replacementCharacter: Unicode.Scalar = "\u{FFFD}"
    public static let ellipsis: Unicode.Scalar = "\u{2026}"

    /// `string` made safe for a terminal cell. Printable ASCII within the cap is returned as is.
    public static func clean(_ string: String, maxScalars: Int = defaultMaxScalars) -> String {
        let utf8 = string.utf8
        if utf8.count <= maxScalars,
           utf8.withContiguousStorageIfAvailable({ isPrintableASCII($0) }) == true {
            return string
        }
        var out = String.UnicodeScalarView()
        var count = 0
        for scalar in string.unicodeScalars {
            if count == maxScalars {
                out.append(ellipsis)
                break
            }
            out.append(replacement(for: scalar) ?? scalar)
            count += 1
        }
        return String(out)
    }

    /// UTF-8 bytes made safe; invalid sequences become `�`. Reads at most about 4 × `maxScalars` bytes.
    public static func clean<Bytes: Collection>(bytes: Bytes, maxScalars: Int = defaultMaxScalars) -> String
    where Bytes.Element == UInt8 {
        // 4 bytes per scalar at most, plus one scalar so a cut is still detected.
        let prefix = bytes.prefix(maxScalars &* 4 &+ 4)
        return clean(String(decoding: prefix, as: UTF8.self), maxScalars: maxScalars)
    }

    /// Multi-line text (a detail pane) cleaned and split at line feeds; CR LF counts as one break.
    /// The cap applies to the whole text.
    public static func cleanLines(_ string: String, maxScalars: Int = defaultMaxScalars * 16) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var count = 0
        var pendingCR = false
        for scalar in string.unicodeScalars {
            if count == maxScalars {
                current.append(ellipsis)
                pendingCR = false
                break
            }
            count += 1
            if pendingCR {
                pendingCR = false
                if scalar == "\n" {
                    lines.append(String(current))
                    current = String.UnicodeScalarView()
                    continue
                }
                current.append(replacement(for: "\r")!)
            }
            switch scalar {
            case "\n":
                lines.append(String(current))
                current = String.UnicodeScalarView()
            case "\r":
                pendingCR = true
            default:
                current.append(replacement(for: scalar) ?? scalar)
            }
        }
        if pendingCR { current.append(replacement(for: "\r")!) }
        lines.append(String(current))
        return lines
    }

    /// The visible stand-in for a scalar a terminal would interpret, or nil if it is safe.
    @inline(__always)
    public static func replacement(for scalar: Unicode.Scalar) -> Unicode.Scalar? {
        let v = scalar.value
        if v < 0x20 { return Unicode.Scalar(0x2400 + v) }
        if v < 0x7F { return nil }
        if v == 0x7F { return "\u{2421}" }
        if v <= 0x9F { return replacementCharacter }
        if v < 0x61C { return nil }
        return isBidiOrSeparator(v) ? replacementCharacter : nil
    }

    /// True if nothing in `string` would be replaced (it may still be longer than a cap).
    public static func isClean(_ string: String) -> Bool {
        if string.utf8.withContiguousStorageIfAvailable({ isPrintableASCII($0) }) == true { return true }
        return string.unicodeScalars.allSatisfy { replacement(for: $0) == nil }
    }

    @inline(__always)
    static func isBidiOrSeparator(_ v: UInt32) -> Bool {
        switch v {
        case 0x061C, 0x200E, 0x200F, 0x2028...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    @inline(__always)
    static func isPrintableASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in bytes where byte < 0x20 || byte >= 0x7F { return false }
        return true
    }
}
