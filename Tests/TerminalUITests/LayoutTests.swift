import Testing
@testable import TerminalUI

@Suite struct LayoutTests {
    let area = Rect(x: 0, y: 0, width: 100, height: 40)

    @Test func headerBodyFooter() {
        let parts = area.split(.vertical, [.length(1), .fill, .length(1)])
        #expect(parts == [Rect(x: 0, y: 0, width: 100, height: 1),
                          Rect(x: 0, y: 1, width: 100, height: 38),
                          Rect(x: 0, y: 39, width: 100, height: 1)])
    }

    @Test func percentagesAndFillShares() {
        let parts = area.split(.horizontal, [.percentage(30), .fill, .fill])
        #expect(parts.map(\.width) == [30, 35, 35])
        #expect(parts.map(\.x) == [0, 30, 65])
        #expect(Layout.sizes(total: 10, constraints: [.fill, .fill, .fill]) == [4, 3, 3])
    }

    @Test func minGrowsWhenNoFill() {
        #expect(Layout.sizes(total: 20, constraints: [.length(5), .min(3)]) == [5, 15])
        #expect(Layout.sizes(total: 20, constraints: [.min(3), .fill]) == [3, 17])
    }

    @Test func overflowShrinksFromTheEnd() {
        #expect(Layout.sizes(total: 10, constraints: [.length(6), .length(6), .length(6)]) == [6, 4, 0])
        let parts = Rect(x: 0, y: 0, width: 10, height: 1).split(.horizontal, [.length(6), .length(6)])
        #expect(parts.allSatisfy { $0.right <= 10 })
    }

    @Test func spacing() {
        let parts = Rect(x: 2, y: 0, width: 11, height: 1).split(.horizontal, [.length(3), .fill, .length(3)], spacing: 1)
        #expect(parts.map(\.x) == [2, 6, 10])
        #expect(parts.map(\.width) == [3, 3, 3])
    }

    @Test func insetCenteredIntersection() {
        #expect(area.inset(by: 1) == Rect(x: 1, y: 1, width: 98, height: 38))
        #expect(Rect(x: 0, y: 0, width: 1, height: 1).inset(by: 3).isEmpty)
        #expect(area.centered(width: 20, height: 10) == Rect(x: 40, y: 15, width: 20, height: 10))
        #expect(area.centered(width: 200, height: 10).width == 100)
        #expect(area.intersection(Rect(x: 90, y: 35, width: 20, height: 20)) == Rect(x: 90, y: 35, width: 10, height: 5))
        #expect(area.intersection(Rect(x: 200, y: 0, width: 5, height: 5)).isEmpty)
    }
}
