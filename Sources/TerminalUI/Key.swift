/// A key press, independent of any terminal library.
public enum Key: Sendable, Hashable {
    case char(Character)
    case up, down, left, right
    case pageUp, pageDown, home, end
    case enter, escape, tab, backTab, backspace, delete, insert
    /// Control plus a key, as a lowercase letter (`ctrl("c")`) or the punctuation it sends with.
    case ctrl(Character)
    /// F1…F63.
    case function(Int)
}

public enum MouseButton: Sendable, Hashable {
    case left, middle, right
}

/// A mouse action at a cell.
public enum MouseEvent: Sendable, Hashable {
    case click(button: MouseButton, x: Int, y: Int)
    case wheelUp(x: Int, y: Int)
    case wheelDown(x: Int, y: Int)
}

/// Everything a terminal can report to the application.
public enum InputEvent: Sendable, Hashable {
    case key(Key)
    case resize(cols: Int, rows: Int)
    case mouse(MouseEvent)
}
