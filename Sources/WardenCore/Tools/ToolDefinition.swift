/// A pinned tool object read for people: its description, parameters and annotations, and the
/// text forms a diff compares. Every string in it is the server's (untrusted): print it only
/// through the sanitizer.
public struct ToolDefinition: Sendable {
    public struct Parameter: Equatable, Sendable {
        public let name: String
        /// The schema's `type` (a list joined with `|`), nil when it gives none.
        public let type: String?
        public let required: Bool
        public let description: String?
    }

    /// The tool object as pinned.
    public let object: JSONValue

    public init(_ object: JSONValue) { self.object = object }

    /// The stored canonical text (RFC 8785); nil when it is not a JSON object.
    public init?(canonical: String) {
        guard let v = try? JSONParser.parse(canonical), v.object != nil else { return nil }
        object = v
    }

    public var name: String? { object["name"]?.string }
    public var title: String? { object["title"]?.string ?? object["annotations"]?["title"]?.string }
    public var description: String? { object["description"]?.string }

    /// `inputSchema.properties`, in the object's order (sorted by name in a canonical one).
    public var parameters: [Parameter] {
        let schema = object["inputSchema"]
        let required = Set(schema?["required"]?.array?.compactMap(\.string) ?? [])
        return (schema?["properties"]?.object ?? []).map { name, spec in
            let type = spec["type"]?.string ?? spec["type"]?.array.map { $0.compactMap(\.string).joined(separator: "|") }
            return Parameter(name: name, type: type, required: required.contains(name), description: spec["description"]?.string)
        }
    }

    /// `annotations` members (hints such as `readOnlyHint`), values as compact JSON text.
    public var annotations: [(name: String, value: String)] {
        (object["annotations"]?.object ?? []).map { ($0.0, $0.1.string ?? JSONWriter.write($0.1, indent: false)) }
    }

    /// The whole object pretty-printed, one line per member: what a definition diff compares.
    public var prettyLines: [String] {
        JSONWriter.write(object, indent: true).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// The description cut at line breaks and sentence ends, so a diff of a long paragraph shows
    /// the sentence that changed rather than the whole paragraph twice.
    public var descriptionLines: [String] { Self.sentences(description ?? "") }

    static func sentences(_ text: String) -> [String] {
        var out: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var current = ""
            var previous: Character = " "
            for ch in line {
                if ch == " ", previous == "." || previous == "!" || previous == "?" {
                    out.append(current)
                    current = ""
                } else {
                    current.append(ch)
                }
                previous = ch
            }
            out.append(current)
        }
        while out.last == "" { out.removeLast() }
        return out
    }

    /// What changed from `approved` to `current`: the description's sentences, and the whole
    /// object as pretty-printed canonical JSON.
    public static func compare(_ approved: ToolDefinition, _ current: ToolDefinition) -> (description: [LineDiff.Line], definition: [LineDiff.Line]) {
        (LineDiff.diff(approved.descriptionLines, current.descriptionLines), LineDiff.diff(approved.prettyLines, current.prettyLines))
    }
}
