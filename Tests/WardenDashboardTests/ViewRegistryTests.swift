import Testing
import TerminalUI
@testable import WardenDashboard

/// The registry is the one list of views: tab order, `:` names, keys and config names follow it.
struct ViewRegistryTests {
    @Test func everyViewIsRegisteredOnceInTabOrder() {
        let kinds = ViewKind.allCases
        #expect(kinds.map(\.name) == ["tree", "agents", "credentials", "calls", "findings", "audit", "tools"])
        #expect(Set(kinds).count == kinds.count)
        for (i, v) in kinds.enumerated() {
            #expect(v.rawValue == i)
            #expect(v.descriptor.kind == v)
            #expect(!v.descriptor.columns.isEmpty)
            #expect(v.descriptor.defaultSort.column < v.descriptor.columns.count)
        }
    }

    @Test func commandNamesAreUniqueAndFindTheirView() {
        let names = ViewRegistry.all.flatMap(\.commandNames)
        #expect(Set(names).count == names.count)
        for d in ViewRegistry.all {
            for n in d.commandNames { #expect(ViewKind.named(n) == d.kind) }
        }
        #expect(ViewKind.named("tokens") == .credentials)
        #expect(ViewKind.named("nope") == nil)
    }

    @Test func numberKeysSwitchViewsInTabOrder() {
        var s = Fixture.state()
        for v in ViewKind.allCases {
            s.type(String(v.rawValue + 1))
            #expect(s.view == v)
        }
    }

    @Test func actionNamesRoundTripAndAreUnique() {
        let names = Action.allCases.map(\.rawValue)
        #expect(Set(names).count == names.count)
        for a in Action.allCases { #expect(Action(rawValue: a.rawValue) == a) }
        #expect(Action(rawValue: "view_credentials") == .view(.credentials))
        #expect(Action(rawValue: "view_nope") == nil)
    }
}
