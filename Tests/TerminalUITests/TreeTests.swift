import Testing
@testable import TerminalUI

@Suite struct TreeTests {
    // alice ─┬─ bot-a ── leaf
    //        └─ bot-b
    // bob
    let model = TreeModel<String>(nodes: [
        (id: "alice", parent: nil), (id: "bot-a", parent: "alice"), (id: "leaf", parent: "bot-a"),
        (id: "bot-b", parent: "alice"), (id: "bob", parent: nil),
    ])

    @Test func flattenRespectsExpandedSet() {
        #expect(model.flatten(expanded: []).map(\.id) == ["alice", "bob"])
        #expect(model.flatten(expanded: ["alice"]).map(\.id) == ["alice", "bot-a", "bot-b", "bob"])
        let all = model.flatten(expanded: ["alice", "bot-a"])
        #expect(all.map(\.id) == ["alice", "bot-a", "leaf", "bot-b", "bob"])
        #expect(all.map(\.depth) == [0, 1, 2, 1, 0])
        #expect(all.map(\.isLast) == [false, false, true, true, true])
        #expect(all.map(\.hasChildren) == [true, true, false, false, false])
        #expect(all[2].parentRow == 1)
    }

    @Test func expandedLeafIsNotMarkedExpanded() {
        let rows = model.flatten(expanded: ["bob"])
        #expect(rows.last?.isExpanded == false)
    }

    @Test func rendersGuidesAndGlyphs() {
        let rows = model.flatten(expanded: ["alice", "bot-a"])
        let view = TreeView(rows: rows) { Line($0.id) }
        var buffer = Buffer(width: 14, height: 5)
        var state = TreeState(selected: 2)
        view.render(into: &buffer, area: buffer.area, state: &state)
        #expect(buffer.lines == [
            "▾ alice       ",
            "├─▾ bot-a     ",
            "│ └── leaf    ",
            "└── bot-b     ",
            "  bob         ",
        ])
        #expect(buffer[6, 2].style.reverse)
        #expect(!buffer[6, 1].style.reverse)
    }

    @Test func tenThousandDeepChainFlattensWithoutRecursion() {
        let depth = 10_000
        var children: [Int: [Int]] = [:]
        for i in 0..<(depth - 1) { children[i] = [i + 1] }
        let chain = TreeModel(roots: [0], children: children)
        let rows = chain.flatten(expanded: Set(0..<depth))
        #expect(rows.count == depth)
        #expect(rows.last?.depth == depth - 1)
        #expect(rows.last?.parentRow == depth - 2)
        // Deep guides are cut to the budget with a leading ellipsis.
        let prefix = TreeGuides.prefix(for: depth - 1, in: rows, maxWidth: 11)
        #expect(prefix == "…      └── ")
        #expect(TextWidth.of(prefix) <= 11)
        // And the view renders the bottom of it.
        var buffer = Buffer(width: 16, height: 2)
        var state = TreeState(selected: depth - 1)
        TreeView(rows: rows) { Line("n\($0.id)") }.render(into: &buffer, area: buffer.area, state: &state)
        #expect(buffer.lines[1].hasPrefix("…"))
        #expect(buffer.lines[1].contains("└── n9999"))
    }

    @Test func cyclesAreShownOnce() {
        let cyclic = TreeModel(roots: ["a"], children: ["a": ["b"], "b": ["a"]])
        #expect(cyclic.flatten(expanded: ["a", "b"]).map(\.id) == ["a", "b"])
    }

    @Test func orphansBecomeRoots() {
        let model = TreeModel<String>(nodes: [(id: "x", parent: "missing"), (id: "y", parent: "x")])
        #expect(model.roots == ["x"])
        #expect(model.expandable == ["x"])
    }
}
