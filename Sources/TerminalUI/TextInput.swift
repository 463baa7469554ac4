/// An editable one-line text value with a cursor. Edits are mutating methods on a value, so
/// the input can live in the app state and be tested without a terminal.
public struct TextInput: Sendable, Hashable {
    public private(set) var characters: [Character]
    /// Cursor position in characters, 0…count.
    public private(set) var cursor: Int
    /// Characters accepted at most.
    public var maxLength: Int

    public init(_ text: String = "", cursor: Int? = nil, maxLength: Int = 256) {
        self.characters = Array(text.prefix(maxLength))
        self.maxLength = maxLength
        self.cursor = min(max(0, cursor ?? characters.count), characters.count)
    }

    public var text: String { String(characters) }
    public var isEmpty: Bool { characters.isEmpty }

    /// Inserts at the cursor. Characters a terminal would interpret are refused.
    public mutating func insert(_ character: Character) {
        guard characters.count < maxLength,
              character.unicodeScalars.allSatisfy({ Sanitizer.replacement(for: $0) == nil }) else { return }
        characters.insert(character, at: cursor)
        cursor += 1
    }

    public mutating func insert(_ string: String) {
        for character in string { insert(character) }
    }

    /// Deletes the character before the cursor.
    public mutating func backspace() {
        guard cursor > 0 else { return }
        characters.remove(at: cursor - 1)
        cursor -= 1
    }

    /// Deletes the character under the cursor.
    public mutating func delete() {
        guard cursor < characters.count else { return }
        characters.remove(at: cursor)
    }

    /// Deletes the word before the cursor (and the blanks after it), like Ctrl-W in a shell.
    public mutating func deleteWordBackward() {
        var start = cursor
        while start > 0 && characters[start - 1] == " " { start -= 1 }
        while start > 0 && characters[start - 1] != " " { start -= 1 }
        characters.removeSubrange(start..<cursor)
        cursor = start
    }

    /// Deletes everything before the cursor (Ctrl-U).
    public mutating func deleteToStart() {
        characters.removeSubrange(0..<cursor)
        cursor = 0
    }

    /// Deletes everything from the cursor on (Ctrl-K).
    public mutating func deleteToEnd() {
        characters.removeSubrange(cursor...)
    }

    public mutating func moveLeft() { cursor = max(0, cursor - 1) }
    public mutating func moveRight() { cursor = min(characters.count, cursor + 1) }
    public mutating func moveHome() { cursor = 0 }
    public mutating func moveEnd() { cursor = characters.count }

    public mutating func clear() {
        characters = []
        cursor = 0
    }

    /// Applies an editing key; returns false for keys that are not edits (Enter, Esc, arrows up/down…).
    @discardableResult
    public mutating func handle(_ key: Key) -> Bool {
        switch key {
        case .char(let c): insert(c)
        case .backspace, .ctrl("h"): backspace()
        case .delete, .ctrl("d"): delete()
        case .left, .ctrl("b"): moveLeft()
        case .right, .ctrl("f"): moveRight()
        case .home, .ctrl("a"): moveHome()
        case .end, .ctrl("e"): moveEnd()
        case .ctrl("w"): deleteWordBackward()
        case .ctrl("u"): deleteToStart()
        case .ctrl("k"): deleteToEnd()
        default: return false
        }
        return true
    }

    /// Draws `prompt`, then the text scrolled so the cursor is visible; the cursor is drawn as a
    /// `cursorStyle` cell (the terminal cursor stays hidden).
    public func render(into buffer: inout Buffer, area: Rect, prompt: String = "", style: Style = .plain,
                       cursorStyle: Style = Style(reverse: true), showsCursor: Bool = true) {
        let area = area.intersection(buffer.area)
        guard !area.isEmpty else { return }
        let row = area.row(0)
        buffer.fill(row, with: Cell(" ", style: style))
        let promptWidth = buffer.set(row.x, row.y, prompt, style: style, maxWidth: row.width)
        let room = row.width - promptWidth
        guard room > 0 else { return }
        // First visible character: step back from the cursor while the text fits, keeping
        // one column for the cursor itself.
        var first = cursor
        var used = 0
        while first > 0 {
            let w = TextWidth.of(characters[first - 1])
            if used + w > room - 1 { break }
            used += w
            first -= 1
        }
        var x = row.x + promptWidth
        for index in first..<characters.count {
            let w = TextWidth.of(characters[index])
            if x + w > row.right { break }
            let cellStyle = showsCursor && index == cursor ? style.patched(with: cursorStyle) : style
            x += buffer.set(x, row.y, String(characters[index]), style: cellStyle, maxWidth: row.right - x)
        }
        if showsCursor && cursor == characters.count && x < row.right {
            buffer.set(x, row.y, " ", style: style.patched(with: cursorStyle))
        }
    }
}
