/// Lists of item indices by owner (each agent's instances, its credentials) in two flat
/// arrays: two allocations for 100,000 agents instead of one small array per agent.
public struct IndexLists: Sendable, Equatable {
    /// Owner o's items are `items[starts[o] ..< starts[o + 1]]`, in item order.
    private var starts: [Int32] = [0]
    private var items: [Int32] = []

    public init() {}

    /// Groups items `0..<itemCount` by `owner(k)` (nil: no owner), keeping their order.
    public init(owners: Int, itemCount: Int, owner: (Int) -> Int?) {
        var ownerOf = [Int32](repeating: -1, count: itemCount)
        var starts = [Int32](repeating: 0, count: owners + 1)
        for k in 0..<itemCount {
            guard let o = owner(k), o >= 0, o < owners else { continue }
            ownerOf[k] = Int32(o)
            starts[o + 1] += 1
        }
        for o in 0..<owners { starts[o + 1] += starts[o] }
        var next = starts
        var items = [Int32](repeating: 0, count: Int(starts[owners]))
        for k in 0..<itemCount where ownerOf[k] >= 0 {
            let o = Int(ownerOf[k])
            items[Int(next[o])] = Int32(k)
            next[o] += 1
        }
        self.starts = starts
        self.items = items
    }

    public var count: Int { starts.count - 1 }

    /// The owner's items, without allocating (sorting 100,000 agents by live instances reads
    /// every list).
    public subscript(owner: Int) -> LazyMapSequence<ArraySlice<Int32>, Int> {
        items[Int(starts[owner]) ..< Int(starts[owner + 1])].lazy.map { Int($0) }
    }
}
