/// The few string operations the command line's modules took from Foundation.
extension StringProtocol {
    /// Without leading and trailing whitespace (spaces, tabs, newlines).
    public var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    /// Equal ignoring ASCII letter case, as HTTP header names and URI schemes compare.
    public func equalsIgnoringASCIICase<Other: StringProtocol>(_ other: Other) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { asciiLower($0) == asciiLower($1) }
    }

    /// Exactly `width` characters: padded with spaces on the right, or cut (as Foundation's
    /// `padding(toLength:withPad:startingAt:)`), for aligned columns.
    public func fixedWidth(_ width: Int) -> String {
        let n = count
        return n >= width ? String(prefix(width)) : String(self) + String(repeating: " ", count: width - n)
    }
}

@inline(__always)
private func asciiLower(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c + 32 : c }
