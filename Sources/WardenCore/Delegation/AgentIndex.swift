/// Agent positions by ID, each key stored with its ID's hash: a probe compares hashes and reads
/// an ID's text only when they match. IDs share a long prefix (`spiffe://domain/agent/`), so
/// comparing the text of each probed key, far apart in memory, was most of indexing a million.
public struct AgentIndex: Sendable, Equatable {
    struct Key: Hashable, Sendable {
        let hash: Int
        let id: String
        init(_ id: String) {
            hash = id.hashValue
            self.id = id
        }
        static func == (a: Key, b: Key) -> Bool { a.hash == b.hash && a.id == b.id }
        func hash(into h: inout Hasher) { h.combine(hash) }
    }

    private var positions: [Key: Int] = [:]

    public init() {}

    public init(reservingCapacity n: Int) { positions.reserveCapacity(n) }

    public subscript(id: String) -> Int? {
        get { positions[Key(id)] }
        set { positions[Key(id)] = newValue }
    }

    public var count: Int { positions.count }
}

/// Agents looked up by ID over a pass of rows that name them (credentials, instances): rows of
/// one agent usually come together and share its ID string, so the last answer is tried first
/// (an identical string compares at once) before the index is hashed.
public struct AgentLookup {
    private var lastID: String?
    private var last: Int?

    public init() {}

    /// The agent's position in `index`, as `index[id]`.
    public mutating func position(_ id: String, in index: AgentIndex) -> Int? {
        if id == lastID { return last }
        last = index[id]
        lastID = id
        return last
    }
}
