#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TerminalUI

/// Whether the user's locale can show UTF-8, read the way curses will: `setlocale(LC_ALL, "")`
/// then the codeset it chose (`C` and `POSIX` give `ANSI_X3.4-1968`, ASCII).
public enum LocaleCharset {
    public static func codeset() -> String {
        setlocale(LC_ALL, "")
        guard let name = nl_langinfo(nl_item(CODESET)) else { return "" }
        return String(cString: name)
    }

    public static func isUTF8() -> Bool { Glyphs.forCodeset(codeset()) == .unicode }
}
