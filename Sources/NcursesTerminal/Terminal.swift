#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CNcurses
import TerminalUI

public enum TerminalError: Error, Equatable {
    case notATerminal
    case initializationFailed
    /// The terminal type (TERM) cannot address the cursor, e.g. `dumb`.
    case unusableTerminal(String)
}

/// The ncurses backend: owns the screen, draws buffer diffs, reads keys, mouse and resizes.
/// Create one, draw frames, and call `restore()` (or let it deinit) when done; the terminal
/// is also restored on exit and on SIGINT/SIGTERM/SIGHUP/SIGQUIT.
/// Not thread-safe: use it from one thread.
public final class Terminal {
    public struct Options: Sendable {
        /// Force monochrome (attributes only). `NO_COLOR` in the environment also forces it.
        public var monochrome: Bool
        /// Report clicks and the wheel. Takes over the terminal's own selection.
        public var mouse: Bool
        /// Deliver Ctrl-C as `.ctrl("c")` (raw mode) instead of SIGINT, which restores and exits.
        public var ctrlCAsKey: Bool
        /// How long a lone Esc waits for a following byte.
        public var escapeDelayMs: Int32

        public init(monochrome: Bool = false, mouse: Bool = true, ctrlCAsKey: Bool = false, escapeDelayMs: Int32 = 25) {
            self.monochrome = monochrome
            self.mouse = mouse
            self.ctrlCAsKey = ctrlCAsKey
            self.escapeDelayMs = escapeDelayMs
        }
    }

    public private(set) var width: Int
    public private(set) var height: Int
    /// True when colors are off (NO_COLOR, the option, or a terminal without colors).
    public let isMonochrome: Bool
    /// Whether the locale's codeset is UTF-8; when not, only ASCII reaches the screen intact.
    public let localeIsUTF8: Bool
    /// Colors available (0 when monochrome).
    public var colorCount: Int { colors.colorCount }

    private var screen: OpaquePointer?
    private var colors: ColorPairs
    private var previous: Buffer?
    private var characters: [wchar_t]
    private let maxCharacters: Int

    /// True when `NO_COLOR` is set to a non-empty value (https://no-color.org).
    public static var noColorRequested: Bool {
        guard let value = getenv("NO_COLOR") else { return false }
        return value.pointee != 0
    }

    public init(options: Options = Options()) throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else { throw TerminalError.notATerminal }
        // A parent may hand us a blocked signal mask; resizes and quit signals must get through.
        var wanted = sigset_t()
        sigemptyset(&wanted)
        for sig in [SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&wanted, sig) }
        pthread_sigmask(SIG_UNBLOCK, &wanted, nil)
        // Wide characters need the user's locale before curses starts (this sets it).
        self.localeIsUTF8 = LocaleCharset.isUTF8()
        let term = getenv("TERM").map { String(cString: $0) } ?? ""
        guard let screen = warden_newterm() else { throw TerminalError.unusableTerminal(term) }
        guard warden_can_address_cursor() != 0 else {
            // Nothing was drawn yet: give the terminal back untouched and say why.
            endwin()
            delscreen(screen)
            throw TerminalError.unusableTerminal(term)
        }
        self.screen = screen
        RestoreGuard.activate()

        if options.ctrlCAsKey { raw() } else { cbreak() }
        noecho()
        nonl()  // Return arrives as CR, and curses need not translate newlines on output
        keypad(warden_stdscr(), true)
        curs_set(0)
        _ = warden_set_escdelay(options.escapeDelayMs)

        let wantsColor = !options.monochrome && !Terminal.noColorRequested && has_colors()
        var colorCount = 0, hasDefaultColors = false
        if wantsColor && start_color() != ERR {
            hasDefaultColors = use_default_colors() != ERR
            colorCount = Int(warden_colors())
        }
        self.isMonochrome = colorCount == 0
        self.colors = ColorPairs(colorCount: colorCount, pairCount: Int(warden_color_pairs()),
                                 hasDefaultColors: hasDefaultColors)
        if options.mouse {
            let mask = warden_button1_pressed() | warden_button2_pressed() | warden_button3_pressed()
                | warden_button4_pressed() | warden_button5_pressed()
            _ = mousemask(mask, nil)
            _ = mouseinterval(0)  // report presses at once instead of waiting to detect clicks
        }
        self.maxCharacters = Int(warden_ccharw_max())
        self.characters = Array(repeating: 0, count: maxCharacters + 1)
        self.width = Int(warden_cols())
        self.height = Int(warden_lines())
        Terminal.checkKeyCodes()
    }

    deinit { restore() }

    /// Gives the terminal back (idempotent). After this the Terminal must not draw.
    public func restore() {
        guard let screen else { return }
        if RestoreGuard.isActive {
            RestoreGuard.deactivate()
            warden_leave_alternate_screen_from_top()
            endwin()
        }
        delscreen(screen)
        self.screen = nil
    }

    // MARK: Drawing

    /// Draws a frame: only cells that changed since the last frame reach curses.
    public func draw(_ buffer: Buffer) {
        guard screen != nil else { return }
        let changes: [CellChange]
        if let previous, previous.width == buffer.width, previous.height == buffer.height {
            changes = buffer.diff(from: previous)
        } else {
            werase(warden_stdscr())
            changes = buffer.diff(from: Buffer(width: 0, height: 0))
        }
        write(changes)
        previous = buffer
        wnoutrefresh(warden_stdscr())
        doupdate()
    }

    /// Writes these cells and refreshes, bypassing the frame diff (the next `draw` still
    /// diffs against the last drawn buffer, so prefer `draw(_:)`).
    public func draw(changes: [CellChange]) {
        guard screen != nil else { return }
        write(changes)
        wnoutrefresh(warden_stdscr())
        doupdate()
    }

    /// Repaints everything on the next `draw` (after a resize or on Ctrl-L, when something
    /// else may have written to the terminal).
    public func forceFullRedraw() {
        previous = nil
        clearok(warden_stdscr(), true)
    }

    private func write(_ changes: [CellChange]) {
        let window = warden_stdscr()
        var cchar = cchar_t()
        for change in changes where !change.cell.isContinuation {
            guard change.x < width, change.y < height else { continue }
            let (attributes, pair) = colors.resolve(change.cell.style)
            // A curses cell holds a base character plus a few combining ones (CCHARW_MAX in
            // all), so a ZWJ sequence (a family emoji) is cut before its first joiner and shows
            // its first emoji; marks, VS16, skin tones and flag pairs are kept.
            var count = 0
            for scalar in change.cell.symbol.unicodeScalars {
                if count == maxCharacters || (count > 0 && scalar.value == 0x200D) { break }
                characters[count] = wchar_t(bitPattern: scalar.value)
                count += 1
            }
            characters[count] = 0
            var status = setcchar(&cchar, characters, attributes, pair, nil)
            if status == ERR && count > 1 {
                characters[1] = 0
                status = setcchar(&cchar, characters, attributes, pair, nil)
            }
            if status == ERR { continue }
            // Writing the bottom-right cell returns ERR (the cursor cannot advance) but the
            // cell is drawn, so the result is ignored.
            _ = mvwadd_wch(window, Int32(change.y), Int32(change.x), &cchar)
        }
    }

    /// Puts text on the clipboard through the terminal (OSC 52). Written straight to the
    /// terminal between frames: curses has nothing buffered then, and the sequence moves no
    /// cursor and draws nothing.
    public func copyToClipboard(_ text: String) {
        guard screen != nil else { return }
        let bytes = Array(Clipboard.osc52(text).utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { writeToTerminal($0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            written += n
        }
    }

    // MARK: Input

    /// Waits up to `timeoutMs` (negative: forever, 0: poll) for a key, a resize or a mouse event.
    /// Returns nil on timeout or for input that is not understood.
    public func readEvent(timeoutMs: Int32) -> InputEvent? {
        guard screen != nil else { return nil }
        let window = warden_stdscr()
        wtimeout(window, timeoutMs)
        var character: wint_t = 0
        let status = wget_wch(window, &character)
        if status == ERR { return nil }
        let code = Int32(bitPattern: UInt32(character))
        let isKeyCode = status == warden_key_code_yes()
        if isKeyCode && code == KEY_RESIZE {
            width = Int(warden_cols())
            height = Int(warden_lines())
            previous = nil
            return .resize(cols: width, rows: height)
        }
        if isKeyCode && code == KEY_MOUSE { return readMouse() }
        return KeyDecoder.decode(code: code, isKeyCode: isKeyCode).map(InputEvent.key)
    }

    private func readMouse() -> InputEvent? {
        var event = MEVENT()
        guard getmouse(&event) == OK else { return nil }
        let x = Int(event.x), y = Int(event.y), state = event.bstate
        if state & warden_button4_pressed() != 0 { return .mouse(.wheelUp(x: x, y: y)) }
        if state & warden_button5_pressed() != 0 { return .mouse(.wheelDown(x: x, y: y)) }
        if state & warden_button1_pressed() != 0 { return .mouse(.click(button: .left, x: x, y: y)) }
        if state & warden_button2_pressed() != 0 { return .mouse(.click(button: .middle, x: x, y: y)) }
        if state & warden_button3_pressed() != 0 { return .mouse(.click(button: .right, x: x, y: y)) }
        return nil
    }

    /// KeyDecoder hard-codes ncurses' key numbers so it can be tested without curses;
    /// this catches a header that disagrees.
    private static func checkKeyCodes() {
        assert(KEY_DOWN == KeyDecoder.Code.down && KEY_UP == KeyDecoder.Code.up
               && KEY_LEFT == KeyDecoder.Code.left && KEY_RIGHT == KeyDecoder.Code.right
               && KEY_HOME == KeyDecoder.Code.home && KEY_END == KeyDecoder.Code.end
               && KEY_BACKSPACE == KeyDecoder.Code.backspace && KEY_F0 == KeyDecoder.Code.f0
               && KEY_DC == KeyDecoder.Code.delete && KEY_IC == KeyDecoder.Code.insert
               && KEY_NPAGE == KeyDecoder.Code.pageDown && KEY_PPAGE == KeyDecoder.Code.pageUp
               && KEY_ENTER == KeyDecoder.Code.enter && KEY_BTAB == KeyDecoder.Code.backTab
               && KEY_MOUSE == KeyDecoder.Code.mouse && KEY_RESIZE == KeyDecoder.Code.resize,
               "ncurses key codes differ from KeyDecoder.Code")
    }
}

/// write(2) on standard output (the Terminal's own `write` draws cells).
private func writeToTerminal(_ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    write(STDOUT_FILENO, bytes, count)
}
