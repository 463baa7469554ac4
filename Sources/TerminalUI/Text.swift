/// A run of text in one style.
public struct Span: Sendable, Hashable, ExpressibleByStringLiteral {
    public var text: String
    public var style: Style

    public init(_ text: String, style: Style = .plain) {
        self.text = text
        self.style = style
    }

    public init(stringLiteral value: String) { self.init(value) }

    public var width: Int { TextWidth.of(text) }
}

public enum Alignment: Sendable, Hashable {
    case left
    case center
    case right
}

/// One line of styled spans.
public struct Line: Sendable, Hashable, ExpressibleByStringLiteral {
    public var spans: [Span]
    public var alignment: Alignment

    public init(_ spans: [Span], alignment: Alignment = .left) {
        self.spans = spans
        self.alignment = alignment
    }

    public init(_ text: String, style: Style = .plain, alignment: Alignment = .left) {
        self.init([Span(text, style: style)], alignment: alignment)
    }

    public init(stringLiteral value: String) { self.init(value) }

    public var width: Int { spans.reduce(0) { $0 + $1.width } }
    /// The plain text, without styles.
    public var text: String { spans.map(\.text).joined() }
}
