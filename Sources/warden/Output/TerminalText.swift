import TerminalUI

/// Makes untrusted text (agent names, hosts, reasons, tool arguments) safe to print to a
/// terminal. The CLI uses the dashboard's one sanitizer, so both show the same stand-ins:
/// C0 controls as control pictures (`ESC` → `␛`), DEL as `␡`, C1 and bidirectional controls as `�`.
enum TerminalText {
    /// Long enough for any table cell the CLI prints; the dashboard's cells use a smaller cap.
    static let maxScalars = 1 << 16

    static func safe(_ text: String) -> String {
        Sanitizer.clean(text, maxScalars: maxScalars)
    }
}
