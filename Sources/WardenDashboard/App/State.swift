import TerminalUI
import WardenCore

/// A row in the Tree view: a principal or an agent, by index into the snapshot.
public enum TreeNode: Hashable, Sendable {
    case principal(Int)
    case agent(Int)
}

public struct SortState: Equatable, Sendable {
    public var column: Int
    public var ascending: Bool
}

/// A short message under the views (result of an action, or an error).
public struct Flash: Equatable, Sendable {
    public var text: String
    public var isError: Bool
    public var until: Timestamp
}

public enum Focus: Sendable { case list, detail }

/// What the keyboard is talking to.
public enum Mode: Sendable {
    case normal
    case filter(TextInput)
    case command(TextInput)
    case help
    case revoke(RevokeDialog)
    case narrow(NarrowDialog)
    /// Approve or reject a tool's definition (the Tools view).
    case tool(ToolDialog)
}

/// The revoke dialog: bound to an ID, never to a row position.
public struct RevokeDialog: Sendable {
    public enum Field: Sendable { case name, reason }
    public var target: EntityRef
    /// What the operator sees the target as (agent name, credential id, principal id).
    public var label: String
    /// Counted from the store when the dialog opened; nil until it arrives.
    public var plan: RevocationPlan?
    public var typedName = TextInput()
    public var reason = TextInput()
    public var field: Field = .name
    public var editingReason = false
    /// The reason as it was when editing began: Esc puts it back.
    public var reasonBeforeEdit = ""

    public init(target: EntityRef, label: String) {
        self.target = target
        self.label = label
    }

    /// Cascades over more than this many agents need the name typed.
    public static let typeNameAbove = 10
    public var needsTypedName: Bool { (plan?.agents.count ?? 0) > Self.typeNameAbove }
}

/// The narrow dialog: the grant as a checklist.
public struct NarrowDialog: Sendable {
    public var agentID: String
    public var name: String
    public var grant: [Scope]
    public var keep: [Bool]
    public var cursor = 0
    /// Names of the descendants whose effective scopes shrink with this grant.
    public var descendants: [String]
    /// What `y` would do with the scopes now checked: each descendant grant it cuts (rule 6).
    /// nil while nothing is unchecked.
    public var plan: NarrowingPlan?
    public var reason = TextInput()
    public var editingReason = false
    /// The reason as it was when editing began: Esc puts it back.
    public var reasonBeforeEdit = ""

    public init(agentID: String, name: String, grant: [Scope], descendants: [String]) {
        self.agentID = agentID
        self.name = name
        self.grant = grant
        self.keep = grant.map { _ in true }
        self.descendants = descendants
    }

    public var kept: ScopeSet { ScopeSet(zip(grant, keep).filter(\.1).map(\.0)) }
}

/// Everything the dashboard knows. `update` changes it; `render` draws it.
public struct DashboardState: Sendable {
    public var snapshot: FleetSnapshot = .empty
    /// A snapshot that arrived while paused, applied on resume.
    public var pending: FleetSnapshot?
    public var now: Timestamp
    public var width: Int
    public var height: Int
    public var view: ViewKind = .tree
    public var lists: [ViewKind: ListState] = [:]
    /// The selected row's identity per view, so selection follows the item when rows move.
    public var selectedKeys: [ViewKind: String] = [:]
    public var sorts: [ViewKind: SortState] = [:]
    public var filters: [ViewKind: String] = [:]
    /// Tree nodes open by default (principals, agents above depth 3) that the operator closed,
    /// and deeper ones the operator opened. A rule plus two small sets rather than a set of
    /// every open node: a fresh fleet shows its shape, a collapse sticks, new arrivals follow
    /// the rule, and 100k agents cost nothing to open on the first frame.
    public var collapsed: Set<String> = []
    public var opened: Set<String> = []
    /// Whether findings were computed for this store yet (they follow the first snapshot).
    public var findingsLoaded = false
    public var rows = Rows()
    /// Views whose rows are out of date, rebuilt when shown (see `RowBuilder.rebuildOrDefer`).
    public var staleViews: Set<ViewKind> = []
    /// Row builds running off the UI thread, by view (see `RowBuilder.refresh`): the rows
    /// shown stay until the newest one lands.
    public internal(set) var building: [ViewKind: PendingRows] = [:]
    /// Numbers the builds, so the rows of an older filter or sort are known and dropped.
    var rowGeneration = 0
    /// The filter and sort the shown rows were built with, while the data under them is
    /// unchanged: a filter that extends it narrows those rows instead of scanning every one.
    var rowBasis: [ViewKind: RowBasis] = [:]
    /// Builds this update queued; `Update.update` returns them as effects.
    var rowJobs: [RowJob] = []
    /// Rows a build may visit on the UI thread; a larger one runs off it (50,000: 2–3 ms of
    /// filtering or sorting on this machine, so a frame stays under 16 ms on a loaded machine).
    public var syncRowLimit = 50_000
    public var detailOpen = false
    public var focus: Focus = .list
    public var detailScroll = 0
    public var mode: Mode = .normal
    public var flash: Flash?
    public var paused = false
    /// Whether clicks and the wheel reach the dashboard (config `mouse`).
    public var mouse = true
    /// IDs copied with `c`, oldest first, printed on quit for terminals without OSC 52.
    public var copied: [String] = []
    /// Lines of the help overlay scrolled past.
    public var helpScroll = 0
    public var follow = true
    public var readOnly: Bool
    public var operatorName: String
    public var environment: String?
    public var environmentColor: Color?
    public var storeLocation: String
    /// When reads of the store began to fail (nil: they succeed): what is shown is as old as this.
    public var storeLostAt: Timestamp?
    public var theme: Theme
    /// Unicode, or ASCII where the locale cannot show more (`--ascii`, `ascii = true`).
    public var glyphs: Glyphs = .unicode
    public var keyMap: KeyMap
    public var policy: Policy
    public var findings: [Finding] = [] {
        didSet { badges = FindingBadges(findings) }
    }
    /// Finding marks by agent, computed when findings change rather than per frame.
    public private(set) var badges = FindingBadges([])
    public var quit = false

    public init(now: Timestamp, width: Int, height: Int, readOnly: Bool, operatorName: String,
                storeLocation: String, theme: Theme = .builtin, keyMap: KeyMap = .defaults,
                environment: String? = nil, environmentColor: Color? = nil, policy: Policy = .standard) {
        self.now = now
        self.width = width
        self.height = height
        self.readOnly = readOnly
        self.operatorName = operatorName
        self.storeLocation = storeLocation
        self.theme = theme
        self.keyMap = keyMap
        self.environment = environment
        self.environmentColor = environmentColor
        self.policy = policy
    }

    public func list(_ v: ViewKind) -> ListState { lists[v] ?? ListState(selected: 0) }
    public var currentList: ListState { list(view) }
    /// How many rows a view shows.
    public func rowCount(_ v: ViewKind) -> Int { v.descriptor.rowCount(self) }
    /// The identity of the item on a view's row (what the selection follows).
    public func rowKey(_ v: ViewKind, _ row: Int) -> String? { v.descriptor.rowKey(self, row) }
    /// Whether a tree node is open; principals are depth 0.
    public func isOpen(_ id: String, depth: Int) -> Bool { Self.isOpen(id, depth: depth, collapsed, opened) }

    static func isOpen(_ id: String, depth: Int, _ collapsed: Set<String>, _ opened: Set<String>) -> Bool {
        depth < 3 ? (collapsed.isEmpty || !collapsed.contains(id)) : (!opened.isEmpty && opened.contains(id))
    }

    public mutating func setOpen(_ id: String, depth: Int, _ open: Bool) {
        if depth < 3 {
            if open { collapsed.remove(id) } else { collapsed.insert(id) }
        } else {
            if open { opened.insert(id) } else { opened.remove(id) }
        }
    }

    public func sort(_ v: ViewKind) -> SortState { sorts[v] ?? v.descriptor.defaultSort }
    public var filter: String { filters[view] ?? "" }

    /// Rows of the list area (the page size for PgUp/PgDn).
    public var pageSize: Int { max(1, height - 6) }
}

/// The visible rows of every view, recomputed when data, filter, sort or expansion change —
/// never per frame.
public struct Rows: Sendable {
    /// The Tree view's rows: a tree's shape rather than a list.
    public var tree: [TreeRow<TreeNode>] = []
    /// Every other view's rows: indices into what the view lists, in the order shown.
    private var indices: [ViewKind: [Int]] = [:]

    public subscript(_ v: ViewKind) -> [Int] {
        get { indices[v] ?? [] }
        set { indices[v] = newValue }
    }
}
