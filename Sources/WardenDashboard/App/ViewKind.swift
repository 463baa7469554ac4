/// A view of the dashboard, known by name. Each view's file declares its kind beside its
/// descriptor; the registry's order is the tab order (keys 1–9).
public struct ViewKind: Hashable, Sendable, CustomStringConvertible {
    public let name: String

    init(_ name: String) { self.name = name }

    /// Every view, in tab order.
    public static var allCases: [ViewKind] { ViewRegistry.kinds }

    /// The place in the tab order, from 0.
    public var rawValue: Int { ViewRegistry.entry(self).position }

    public var title: String { descriptor.title }
    public var description: String { name }

    var descriptor: any ViewDescriptor { ViewRegistry.entry(self).descriptor }

    /// The view a word on the `:` command line names.
    public static func named(_ word: String) -> ViewKind? { ViewRegistry.byCommandName[word] }
}
