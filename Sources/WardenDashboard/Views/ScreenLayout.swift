import TerminalUI

/// Where everything goes on screen, from the terminal size alone.
struct ScreenLayout {
    static let minWidth = 40
    static let minHeight = 10

    let screen: Rect
    let header: Rect
    let tabs: Rect
    /// The list pane including its border.
    let list: Rect
    /// The rows of the list below its border and column header.
    let listBody: Rect
    let detail: Rect?
    /// The flash / filter / command line.
    let message: Rect
    let footer: Rect
    let tooSmall: Bool

    init(_ s: DashboardState) {
        screen = Rect(x: 0, y: 0, width: s.width, height: s.height)
        tooSmall = s.width < Self.minWidth || s.height < Self.minHeight
        header = screen.row(0)
        tabs = screen.row(1)
        footer = screen.row(max(0, s.height - 1))
        message = screen.row(max(0, s.height - 2))
        let main = Rect(x: 0, y: 2, width: s.width, height: max(0, s.height - 4))
        if s.detailOpen {
            if s.width >= 110 {
                let parts = main.split(.horizontal, [.percentage(55), .fill])
                list = parts[0]
                detail = parts[1]
            } else {
                let parts = main.split(.vertical, [.percentage(50), .fill])
                list = parts[0]
                detail = parts[1]
            }
        } else {
            list = main
            detail = nil
        }
        let inner = list.inset(by: 1)
        // Every view has a row of column titles above its rows, the tree included.
        listBody = Rect(x: inner.x, y: inner.y + 1, width: inner.width, height: max(0, inner.height - 1))
    }
}

enum Tabs {
    static func label(_ v: ViewKind) -> String { " \(v.rawValue + 1) \(v.title) " }
}
