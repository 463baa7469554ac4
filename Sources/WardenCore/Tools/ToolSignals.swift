/// Signs that a tool's definition speaks to the model rather than describing the tool ("tool
/// poisoning"). A heuristic, and documented as one: a match raises a `suspicious_tool` finding
/// for an operator to read, it never quarantines by itself, and a poisoned text written to avoid
/// these patterns passes. The patterns come from published attacks (hidden `<IMPORTANT>` blocks,
/// "do not tell the user", reading `~/.ssh` or `mcp.json` into a parameter, steering another
/// server's tool, zero-width and bidirectional characters that hide text from a reviewer).
public enum ToolSignals {
    public enum Kind: String, Sendable, CaseIterable {
        /// Text addressed to the model: override, secrecy or urgency instructions.
        case instruction
        /// Credentials or files an agent's host keeps secret.
        case sensitiveFile = "sensitive_file"
        /// Another server's tool named in this one's description.
        case otherTool = "other_tool"
        /// Characters a reviewer does not see: zero-width, bidirectional controls, tag characters.
        case hiddenUnicode = "hidden_unicode"
        /// A description longer than any honest one needs (room to hide instructions).
        case longDescription = "long_description"
    }

    public struct Signal: Equatable, Sendable {
        public let kind: Kind
        /// Where in the tool object, as a JSON path (`$.inputSchema.properties.note.description`).
        public let path: String
        /// The text that matched (raw: show it only through the sanitizer).
        public let matched: String
    }

    /// A description (or parameter description) longer than this many characters is flagged.
    public static let longDescriptionLimit = 2_000

    /// Phrases addressed to the model, matched case-insensitively.
    static let instructionPhrases = [
        "ignore previous", "ignore all previous", "ignore prior", "ignore the above", "ignore any previous",
        "disregard previous", "disregard all", "disregard the above", "forget your instructions", "forget all previous",
        "<important>", "</important>", "<instructions>", "<system>", "[system]", "<secret>",
        "do not tell the user", "don't tell the user", "do not inform the user", "do not mention this",
        "without telling the user", "without informing the user", "never tell the user", "hide this from the user",
        "the user must not", "not visible to the user", "secretly", "this is very important",
        "before using this tool", "before using any other tool", "you must first", "override the",
        "instead of the user", "regardless of what the user",
    ]

    /// Credential and secret-file references, matched case-insensitively.
    static let sensitivePhrases = [
        "~/.ssh", ".ssh/", "id_rsa", "id_ed25519", "authorized_keys", "/etc/passwd", "/etc/shadow",
        ".aws/credentials", ".npmrc", ".netrc", ".pgpass", ".git-credentials", "mcp.json", "~/.cursor",
        "claude_desktop_config", "private key", "secret key", "api_key", "access_token", "bearer token",
    ]

    /// The signals in one tool object as its server sent it. `otherTools` are the names of tools
    /// on other servers (a description that steers them is cross-server shadowing).
    public static func scan(_ tool: JSONValue, otherTools: Set<String> = []) -> [Signal] {
        var signals: [Signal] = []
        walk(tool, path: "$", key: nil) { path, key, text in
            if let hidden = hiddenCharacters(text) {
                signals.append(Signal(kind: .hiddenUnicode, path: path, matched: hidden))
            }
            guard key == "description" || key == "title" else { return }
            let lower = text.lowercased()
            if let phrase = instructionPhrases.first(where: { lower.contains($0) }) {
                signals.append(Signal(kind: .instruction, path: path, matched: excerpt(text, around: phrase)))
            }
            if lower.contains(".env") && mentionsDotEnv(lower) {
                signals.append(Signal(kind: .sensitiveFile, path: path, matched: excerpt(text, around: ".env")))
            } else if let phrase = sensitivePhrases.first(where: { lower.contains($0) }) {
                signals.append(Signal(kind: .sensitiveFile, path: path, matched: excerpt(text, around: phrase)))
            }
            if let other = otherTools.sorted().first(where: { mentionsWord(lower, $0.lowercased()) }) {
                signals.append(Signal(kind: .otherTool, path: path, matched: excerpt(text, around: other.lowercased())))
            }
            if key == "description", text.count > longDescriptionLimit {
                signals.append(Signal(kind: .longDescription, path: path, matched: "\(text.count) characters"))
            }
        }
        return signals
    }

    /// Every string in the object with its path and the key that holds it (nil in arrays).
    private static func walk(_ v: JSONValue, path: String, key: String?, _ visit: (String, String?, String) -> Void) {
        switch v {
        case .string(let s): visit(path, key, s)
        case .array(let items): for (i, item) in items.enumerated() { walk(item, path: "\(path)[\(i)]", key: nil, visit) }
        case .object(let members):
            for (k, member) in members {
                visit("\(path).\(k)", k, k)  // keys hide characters too
                walk(member, path: "\(path).\(k)", key: k, visit)
            }
        default: break
        }
    }

    /// The invisible characters in `text`, written as code points (`U+200B U+202E`); nil if none.
    static func hiddenCharacters(_ text: String) -> String? {
        var found: [String] = []
        for scalar in text.unicodeScalars where isHidden(scalar) {
            let hex = String(scalar.value, radix: 16, uppercase: true)
            let name = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            if !found.contains(name) { found.append(name) }
        }
        return found.isEmpty ? nil : found.joined(separator: " ")
    }

    static func isHidden(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2064, 0x2066...0x2069, 0xFEFF, 0x00AD, 0x180E,
             0xE0000...0xE007F:
            return true
        default:
            return false
        }
    }

    /// `.env` as a file name, not inside a word (`.environment`, `process.env.X`).
    static func mentionsDotEnv(_ lower: String) -> Bool {
        var rest = lower[...]
        while let r = rest.firstRange(of: ".env") {
            let after = r.upperBound < rest.endIndex ? rest[r.upperBound] : " "
            let before = r.lowerBound > lower.startIndex ? lower[lower.index(before: r.lowerBound)] : " "
            if !(after.isLetter || after.isNumber || after == "_") && !(before.isLetter || before.isNumber) { return true }
            rest = rest[r.upperBound...]
        }
        return false
    }

    /// `word` in `lower` with no identifier character on either side.
    static func mentionsWord(_ lower: String, _ word: String) -> Bool {
        guard !word.isEmpty else { return false }
        var rest = lower[...]
        func ident(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }
        while let r = rest.firstRange(of: word) {
            let before = r.lowerBound > lower.startIndex ? lower[lower.index(before: r.lowerBound)] : " "
            let after = r.upperBound < lower.endIndex ? lower[r.upperBound] : " "
            if !ident(before) && !ident(after) { return true }
            rest = rest[r.upperBound...]
        }
        return false
    }

    /// Up to 40 characters either side of the first match, so a finding shows the phrase in place.
    static func excerpt(_ text: String, around phrase: String) -> String {
        let lower = text.lowercased()
        guard let r = lower.firstRange(of: phrase), lower.count == text.count else { return String(text.prefix(100)) }
        let start = lower.distance(from: lower.startIndex, to: r.lowerBound)
        let from = max(0, start - 40), to = min(text.count, start + phrase.count + 40)
        let slice = text.dropFirst(from).prefix(to - from)
        return (from > 0 ? "…" : "") + slice + (to < text.count ? "…" : "")
    }
}
