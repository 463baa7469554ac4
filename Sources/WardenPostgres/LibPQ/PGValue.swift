/// A value bound to a statement parameter, sent in libpq's text format.
package protocol PGBindable {
    var pgText: String { get }
}

extension String: PGBindable { package var pgText: String { self } }
extension Int64: PGBindable { package var pgText: String { String(self) } }
extension Int: PGBindable { package var pgText: String { String(self) } }
extension Int32: PGBindable { package var pgText: String { String(self) } }
extension Double: PGBindable { package var pgText: String { String(self) } }
extension Bool: PGBindable { package var pgText: String { self ? "t" : "f" } }

/// `bytea` in its hex text form (`\x0a1b…`).
extension Array: PGBindable where Element == UInt8 {
    package var pgText: String {
        var out = "\\x"
        out.reserveCapacity(2 + count * 2)
        for b in self {
            out.append(PGHex.digits[Int(b >> 4)])
            out.append(PGHex.digits[Int(b & 0x0F)])
        }
        return out
    }
}

enum PGHex {
    static let digits: [Character] = Array("0123456789abcdef")

    /// Decodes `bytea`'s hex text output (`\x…`); nil when it is not that.
    static func decode(_ p: UnsafePointer<CChar>, length: Int) -> [UInt8]? {
        guard length >= 2, p[0] == 0x5C, p[1] == 0x78, length % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity((length - 2) / 2)
        var i = 2
        while i < length {
            guard let hi = nibble(p[i]), let lo = nibble(p[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: CChar) -> UInt8? {
        switch UInt8(bitPattern: c) {
        case 0x30...0x39: return UInt8(bitPattern: c) - 0x30
        case 0x61...0x66: return UInt8(bitPattern: c) - 0x61 + 10
        case 0x41...0x46: return UInt8(bitPattern: c) - 0x41 + 10
        default: return nil
        }
    }
}

/// A `text[]` parameter (`$1::text[]`): one round trip for a whole set of IDs.
package struct PGTextArray: PGBindable {
    package let values: [String?]
    package init(_ values: [String?]) { self.values = values }
    /// Built byte by byte: a telemetry batch sends arrays of thousands of texts.
    package var pgText: String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(values.reduce(2) { $0 + ($1?.utf8.count ?? 4) + 3 })
        for (i, v) in values.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            guard let v else {
                out.append(contentsOf: "NULL".utf8)
                continue
            }
            out.append(UInt8(ascii: "\""))
            for b in v.utf8 {
                if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
                out.append(b)
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}

/// A `bigint[]` parameter (`$1::bigint[]`).
package struct PGInt64Array: PGBindable {
    package let values: [Int64?]
    package init(_ values: [Int64?]) { self.values = values }
    package var pgText: String { "{" + values.map { $0.map(String.init) ?? "NULL" }.joined(separator: ",") + "}" }
}
