/// A digest of the governed state (principals, agents, credentials): the sum, modulo 2^256, of
/// the SHA-256 of every governed row. A sum is a multiset hash: it does not depend on row order,
/// and a row change updates it in O(1) (subtract the old row's hash, add the new one's), so a
/// 100k-agent store never rescans to keep it. It is not keyed: whoever can write the store can
/// recompute it, which is why each journal record carries it inside the hash chain (see
/// README, "Threat model").
public struct StateDigest: Hashable, Sendable, CustomStringConvertible {
    /// Big-endian 64-bit limbs: limbs[0] is the most significant.
    public private(set) var limbs: (UInt64, UInt64, UInt64, UInt64)

    public static let zero = StateDigest(limbs: (0, 0, 0, 0))

    public init(limbs: (UInt64, UInt64, UInt64, UInt64)) { self.limbs = limbs }

    /// From 32 big-endian bytes in an array: what a store's reads hand over, once per governed
    /// row when the state is verified. Not generic: the generic form below, called across the
    /// module boundary, looked up type metadata for every byte (3 s of a dashboard's first load
    /// at 300,000 rows).
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self = bytes.withUnsafeBytes { StateDigest(raw: $0.baseAddress!) }
    }

    /// From 32 big-endian bytes (a SHA-256 or a stored digest); nil for any other length.
    public init?<C: Collection<UInt8>>(bytes: C) {
        guard bytes.count == 32 else { return nil }
        var l: [UInt64] = [0, 0, 0, 0]
        for (i, b) in bytes.enumerated() { l[i / 8] = l[i / 8] << 8 | UInt64(b) }
        limbs = (l[0], l[1], l[2], l[3])
    }

    /// From 32 big-endian bytes at `raw` (no copy, nothing generic: the SQL functions' hot path).
    public init(raw: UnsafeRawPointer) {
        limbs = (UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                 UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                 UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
                 UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
    }

    /// Writes the 32 big-endian bytes to `raw`.
    public func write(to raw: UnsafeMutableRawPointer) {
        raw.storeBytes(of: limbs.0.bigEndian, toByteOffset: 0, as: UInt64.self)
        raw.storeBytes(of: limbs.1.bigEndian, toByteOffset: 8, as: UInt64.self)
        raw.storeBytes(of: limbs.2.bigEndian, toByteOffset: 16, as: UInt64.self)
        raw.storeBytes(of: limbs.3.bigEndian, toByteOffset: 24, as: UInt64.self)
    }

    /// From 64 hex digits, as journal records carry it.
    public init?(hex: String) {
        let u = Array(hex.utf8)
        guard u.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var i = 0
        while i < 64 {
            guard let hi = Self.nibble(u[i]), let lo = Self.nibble(u[i + 1]) else { return nil }
            bytes.append(hi << 4 | lo)
            i += 2
        }
        self.init(bytes: bytes)
    }

    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for l in [limbs.0, limbs.1, limbs.2, limbs.3] {
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: l >> UInt64(shift))) }
        }
        return out
    }

    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { hex }

    public static func == (a: StateDigest, b: StateDigest) -> Bool {
        a.limbs.0 == b.limbs.0 && a.limbs.1 == b.limbs.1 && a.limbs.2 == b.limbs.2 && a.limbs.3 == b.limbs.3
    }

    public func hash(into h: inout Hasher) {
        h.combine(limbs.0); h.combine(limbs.1); h.combine(limbs.2); h.combine(limbs.3)
    }

    /// Adds a row's hash (mod 2^256).
    public mutating func add(_ other: StateDigest) {
        var carry: UInt64 = 0
        func step(_ a: UInt64, _ b: UInt64) -> UInt64 {
            let (s1, o1) = a.addingReportingOverflow(b)
            let (s2, o2) = s1.addingReportingOverflow(carry)
            carry = (o1 ? 1 : 0) + (o2 ? 1 : 0)
            return s2
        }
        let d = step(limbs.3, other.limbs.3)
        let c = step(limbs.2, other.limbs.2)
        let b = step(limbs.1, other.limbs.1)
        let a = step(limbs.0, other.limbs.0)
        limbs = (a, b, c, d)
    }

    /// Removes a row's hash (mod 2^256).
    public mutating func subtract(_ other: StateDigest) {
        var borrow: UInt64 = 0
        func step(_ a: UInt64, _ b: UInt64) -> UInt64 {
            let (s1, o1) = a.subtractingReportingOverflow(b)
            let (s2, o2) = s1.subtractingReportingOverflow(borrow)
            borrow = (o1 ? 1 : 0) + (o2 ? 1 : 0)
            return s2
        }
        let d = step(limbs.3, other.limbs.3)
        let c = step(limbs.2, other.limbs.2)
        let b = step(limbs.1, other.limbs.1)
        let a = step(limbs.0, other.limbs.0)
        limbs = (a, b, c, d)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }
}

/// What a check of the governed state against the journal found.
public enum StateCheck: Equatable, Sendable {
    /// The tables hash to the digest the last journal record carries.
    case consistent(digest: StateDigest, record: Int64?)
    /// The tables no longer hash to what record `sinceRecord` left (0: before any record).
    /// `rows` names rows whose content no longer matches their own stored hash (`table/id`),
    /// as many as could be named; `detail` says what else differs (rows added or removed).
    case drifted(sinceRecord: Int64, rows: [String], detail: String)
    /// The store has no digest to check against yet (a store from before it, opened read-only).
    case unchecked(reason: String)

    public var isConsistent: Bool { if case .consistent = self { return true } else { return false } }
    public var isDrifted: Bool { if case .drifted = self { return true } else { return false } }

    /// One line for people: "state changed outside Warden since record N: …".
    public var summary: String {
        switch self {
        case .consistent(let d, let r):
            return "state matches the journal" + (r.map { " (record \($0), digest \(String(d.hex.prefix(12))))" } ?? "")
        case .drifted(let n, let rows, let detail):
            var s = "state changed outside Warden since record \(n)"
            if !rows.isEmpty {
                s += ": " + rows.prefix(10).joined(separator: ", ") + (rows.count > 10 ? " and \(rows.count - 10) more" : "")
            }
            if !detail.isEmpty { s += rows.isEmpty ? ": \(detail)" : "; \(detail)" }
            return s
        case .unchecked(let reason):
            return "state not checked: \(reason)"
        }
    }
}
