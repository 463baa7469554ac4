/// A key and what it does, as shown in the footer and the help overlay.
public struct KeyHint: Sendable, Hashable {
    public var key: String
    public var description: String

    public init(_ key: String, _ description: String) {
        self.key = key
        self.description = description
    }

    /// Columns of "key description".
    public var width: Int { TextWidth.of(key) + 1 + TextWidth.of(description) }
}
