/// An array kept in fixed-size chunks, so that changing one element of a shared copy copies
/// that element's chunk instead of the whole array. A dashboard snapshot hands 300,000
/// instances to the UI thread while the loader updates a few heartbeats in its own copy:
/// with a plain array each heartbeat would copy (and later free) all of them.
public struct Chunked<Element> {
    static var shift: Int { 10 }
    static var size: Int { 1 << shift }
    private var chunks: [[Element]] = []
    public private(set) var count = 0

    public init() {}
}

extension Chunked: RandomAccessCollection, MutableCollection, RangeReplaceableCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(i: Int) -> Element {
        get {
            precondition(i >= 0 && i < count, "index out of range")
            return chunks[i >> Self.shift][i & (Self.size - 1)]
        }
        set {
            precondition(i >= 0 && i < count, "index out of range")
            chunks[i >> Self.shift][i & (Self.size - 1)] = newValue
        }
    }

    public mutating func append(_ x: Element) {
        if count & (Self.size - 1) == 0 {
            chunks.append([])
            chunks[chunks.count - 1].reserveCapacity(Self.size)
        }
        chunks[chunks.count - 1].append(x)
        count += 1
    }

    public mutating func append<S: Sequence>(contentsOf xs: S) where S.Element == Element {
        for x in xs { append(x) }
    }

    /// Rarely used (the loader appends and replaces in place): rebuilds the chunks.
    public mutating func replaceSubrange<C: Collection>(_ range: Range<Int>, with xs: C) where C.Element == Element {
        var out = Chunked()
        out.append(contentsOf: self[..<range.lowerBound])
        out.append(contentsOf: xs)
        out.append(contentsOf: self[range.upperBound...])
        self = out
    }
}

extension Chunked: Sendable where Element: Sendable {}
extension Chunked: Equatable where Element: Equatable {
    public static func == (a: Chunked, b: Chunked) -> Bool { a.elementsEqual(b) }
}
extension Chunked: ExpressibleByArrayLiteral {
    public init(arrayLiteral xs: Element...) { self.init(xs) }
}
