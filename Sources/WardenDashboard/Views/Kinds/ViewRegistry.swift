/// Every view of the dashboard, in tab order. A new view is one file under Views/Kinds and
/// one line here.
enum ViewRegistry {
    static let all: [any ViewDescriptor] = [
        FleetTreeView(),
        AgentsView(),
        CredentialsView(),
        CallsView(),
        FindingsView(),
        AuditView(),
        ToolsView(),
    ]

    static let kinds = all.map(\.kind)

    private static let byKind: [ViewKind: (position: Int, descriptor: any ViewDescriptor)] =
        Dictionary(uniqueKeysWithValues: all.enumerated().map { ($0.element.kind, ($0.offset, $0.element)) })

    static let byCommandName: [String: ViewKind] =
        Dictionary(uniqueKeysWithValues: all.flatMap { d in d.commandNames.map { ($0, d.kind) } })

    /// A kind's place and descriptor; every kind a view file declares is registered here.
    static func entry(_ v: ViewKind) -> (position: Int, descriptor: any ViewDescriptor) {
        guard let e = byKind[v] else { preconditionFailure("view \(v.name) is not in ViewRegistry.all") }
        return e
    }
}
