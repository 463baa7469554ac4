/// Turns what curses' `wget_wch` returns into a `Key`, without depending on curses: a pure
/// function, so the mapping is tested without a terminal.
///
/// The key codes are ncurses' values (`<curses.h>`, identical across its builds); the ncurses
/// backend checks at startup that they match the header it was compiled against.
public enum KeyDecoder {
    /// ncurses `KEY_*` values.
    public enum Code {
        public static let down: Int32 = 0o402
        public static let up: Int32 = 0o403
        public static let left: Int32 = 0o404
        public static let right: Int32 = 0o405
        public static let home: Int32 = 0o406
        public static let backspace: Int32 = 0o407
        /// `KEY_F0`; F(n) is `f0 + n`.
        public static let f0: Int32 = 0o410
        public static let delete: Int32 = 0o512  // KEY_DC
        public static let insert: Int32 = 0o513  // KEY_IC
        public static let pageDown: Int32 = 0o522  // KEY_NPAGE
        public static let pageUp: Int32 = 0o523  // KEY_PPAGE
        public static let enter: Int32 = 0o527
        public static let backTab: Int32 = 0o541  // KEY_BTAB
        public static let end: Int32 = 0o550
        public static let mouse: Int32 = 0o631
        public static let resize: Int32 = 0o632
    }

    /// Decodes one `wget_wch` result: `isKeyCode` is true when it returned `KEY_CODE_YES`
    /// (`code` is a `KEY_*`), false when `code` is a character. Returns nil for codes that are
    /// not keys (mouse and resize are handled by the backend) or not understood.
    public static func decode(code: Int32, isKeyCode: Bool) -> Key? {
        isKeyCode ? decodeKeyCode(code) : decodeCharacter(code)
    }

    static func decodeKeyCode(_ code: Int32) -> Key? {
        switch code {
        case Code.down: return .down
        case Code.up: return .up
        case Code.left: return .left
        case Code.right: return .right
        case Code.home: return .home
        case Code.end: return .end
        case Code.backspace: return .backspace
        case Code.delete: return .delete
        case Code.insert: return .insert
        case Code.pageDown: return .pageDown
        case Code.pageUp: return .pageUp
        case Code.enter: return .enter
        case Code.backTab: return .backTab
        case (Code.f0 + 1)...(Code.f0 + 63): return .function(Int(code - Code.f0))
        default: return nil
        }
    }

    static func decodeCharacter(_ code: Int32) -> Key? {
        switch code {
        case 0x0D, 0x0A: return .enter  // nonl() delivers Return as CR; LF is Ctrl-J but acts as Enter
        case 0x09: return .tab
        case 0x1B: return .escape
        case 0x7F, 0x08: return .backspace  // terminals send DEL or BS for the Backspace key
        case 0x00: return .ctrl(" ")
        case 0x01...0x1A: return .ctrl(Character(Unicode.Scalar(UInt8(0x60 + code))))
        case 0x1C...0x1F: return .ctrl(Character(Unicode.Scalar(UInt8(0x40 + code))))
        case 0x80...0x9F: return nil  // C1 controls are never keys
        default:
            guard code > 0, let scalar = Unicode.Scalar(UInt32(code)) else { return nil }
            return .char(Character(scalar))
        }
    }
}
