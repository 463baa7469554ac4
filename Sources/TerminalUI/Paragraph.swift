/// Styled text in an area, word-wrapped or clipped, scrolled by whole visual lines.
public struct Paragraph: Widget, Sendable {
    public var lines: [Line]
    public var wrap: Bool
    /// Visual lines (after wrapping) skipped at the top.
    public var scroll: Int
    /// Under every span's own style.
    public var style: Style

    public init(_ lines: [Line], wrap: Bool = true, scroll: Int = 0, style: Style = .plain) {
        self.lines = lines
        self.wrap = wrap
        self.scroll = max(0, scroll)
        self.style = style
    }

    /// Untrusted multi-line text: sanitized and split at line feeds.
    public init(text: String, style: Style = .plain, wrap: Bool = true, scroll: Int = 0) {
        self.init(Sanitizer.cleanLines(text).map { Line($0, style: style) }, wrap: wrap, scroll: scroll)
    }

    /// Visual lines the text takes at `width` (for scroll limits).
    public func lineCount(width: Int) -> Int {
        wrap ? lines.reduce(0) { $0 + Paragraph.wrap($1, width: width).count } : lines.count
    }

    public func render(into buffer: inout Buffer, area: Rect) {
        let area = area.intersection(buffer.area)
        guard !area.isEmpty else { return }
        if style != .plain { buffer.fill(area, with: Cell(" ", style: style)) }
        var skip = scroll
        var y = area.top
        for line in lines {
            if y >= area.bottom { break }
            let visual = wrap ? Paragraph.wrap(line, width: area.width) : [line]
            for piece in visual {
                if skip > 0 { skip -= 1; continue }
                if y >= area.bottom { break }
                var styled = piece
                if style != .plain {
                    styled.spans = piece.spans.map { Span($0.text, style: style.patched(with: $0.style)) }
                }
                buffer.set(area.x, y, line: styled, maxWidth: area.width)
                y += 1
            }
        }
    }

    /// Greedy word wrap of one line to `width` columns. Words longer than a line are broken;
    /// spaces at a break are dropped. An empty line stays one empty line.
    public static func wrap(_ line: Line, width: Int) -> [Line] {
        guard width > 0 else { return [] }
        if line.width <= width { return [line] }
        var result: [Line] = []
        var current: [Span] = []
        var currentWidth = 0

        func flush() {
            while let last = current.last, last.text.allSatisfy({ $0 == " " }) {
                current.removeLast()  // no trailing blanks on a wrapped line
            }
            while current.last?.text.last == " " { current[current.count - 1].text.removeLast() }
            result.append(Line(current, alignment: line.alignment))
            current = []
            currentWidth = 0
        }
        func append(_ text: String, _ style: Style, _ w: Int) {
            if let last = current.last, last.style == style {
                current[current.count - 1].text += text
            } else {
                current.append(Span(text, style: style))
            }
            currentWidth += w
        }

        for token in tokens(of: line) {
            if token.isSpace {
                if currentWidth == 0 && !result.isEmpty { continue }  // no leading blanks after a break
                if currentWidth + token.width <= width {
                    for piece in token.pieces { append(piece.text, piece.style, piece.width) }
                } else {
                    flush()
                }
                continue
            }
            if currentWidth + token.width <= width {
                for piece in token.pieces { append(piece.text, piece.style, piece.width) }
            } else if token.width <= width {
                flush()
                for piece in token.pieces { append(piece.text, piece.style, piece.width) }
            } else {
                // A word longer than a line starts a line of its own and is broken after a
                // separator where one is near the end (an ID breaks as `spiffe://acme.example/`
                // + `agent/triage-bot/7f3a`, not mid-name), else by characters.
                if currentWidth > 0 { flush() }
                var characters: [(Character, Style, Int)] = []
                for piece in token.pieces { for c in piece.text { characters.append((c, piece.style, TextWidth.of(c))) } }
                var start = 0
                while start < characters.count {
                    var end = start, used = 0
                    while end < characters.count && used + characters[end].2 <= width { used += characters[end].2; end += 1 }
                    if end == start { end = start + 1 }  // a character wider than the line
                    if end < characters.count {
                        // The strongest separator wins (`/` before `.` before `-`): names stay whole.
                        for tier in breakAfter {
                            if let cut = (start..<end).last(where: { tier.contains(characters[$0].0) }), cut + 1 - start >= width / 3 {
                                end = cut + 1
                                break
                            }
                        }
                    }
                    for k in start..<end { append(String(characters[k].0), characters[k].1, characters[k].2) }
                    start = end
                    if start < characters.count { flush() }
                }
            }
        }
        if !current.isEmpty || result.isEmpty { flush() }
        return result
    }

    /// Where a long word (an ID, a path, a URL) may break, strongest first.
    static let breakAfter: [Set<Character>] = [["/"], [":", "@", ",", ";", "?", "&", "="], ["."], ["-", "_"]]

    private struct Token {
        var pieces: [(text: String, style: Style, width: Int)] = []
        var width = 0
        var isSpace: Bool
    }

    /// Runs of spaces and runs of non-spaces; a word can cross spans of different styles.
    private static func tokens(of line: Line) -> [Token] {
        var tokens: [Token] = []
        for span in line.spans {
            for character in span.text {
                let isSpace = character == " "
                let w = TextWidth.of(character)
                if tokens.isEmpty || tokens[tokens.count - 1].isSpace != isSpace {
                    tokens.append(Token(isSpace: isSpace))
                }
                var token = tokens.removeLast()
                if let last = token.pieces.last, last.style == span.style {
                    token.pieces[token.pieces.count - 1].text.append(character)
                    token.pieces[token.pieces.count - 1].width += w
                } else {
                    token.pieces.append((String(character), span.style, w))
                }
                token.width += w
                tokens.append(token)
            }
        }
        return tokens
    }
}
