/// Makes untrusted text (agent names, hosts, reasons, tool arguments) safe to print to a
/// terminal: control characters and bidirectional overrides become visible escapes, so stored
/// text can neither drive the terminal nor reorder what the operator reads.
///
/// Kept in this one file so it can be swapped for TerminalUI's sanitizer later.
enum TerminalText {
    static func safe(_ text: String) -> String {
        // Fast path: nothing to replace.
        if !text.unicodeScalars.contains(where: needsEscape) { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.value == 0x1B {
                out.append("\u{241B}")  // ␛
            } else if needsEscape(scalar) {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    static func needsEscape(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x00...0x1F, 0x7F...0x9F: return true          // C0, DEL, C1
        case 0x202A...0x202E, 0x2066...0x2069: return true  // bidi embeddings, overrides, isolates
        case 0x200E, 0x200F, 0x061C: return true            // bidi marks
        case 0x2028, 0x2029: return true                    // line and paragraph separators
        default: return false
        }
    }
}
