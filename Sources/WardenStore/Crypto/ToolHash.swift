import WardenCore

/// A tool object's pin: its RFC 8785 form and that form's SHA-256. Computed where a tool list
/// is seen (the proxy on `tools/list`, `tools pin --from`), never on a call.
public enum ToolHash {
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// The object has no `name` string, or one outside the MCP rule; `path` says where.
        case badName(path: String)
        case notCanonical(CanonicalJSON.Failure)
        public var description: String {
            switch self {
            case .badName(let path): return "\(path).name: a tool needs a name of 1 to 128 characters of A-Z a-z 0-9 _ . -"
            case .notCanonical(let f): return f.description
            }
        }
    }

    /// The tool object pinned as sent: every member, `annotations` and `_meta` included.
    /// `path` names the object in error messages (`$.tools[3]`).
    public static func observe(_ tool: JSONValue, path: String = "$") throws(Failure) -> ObservedTool {
        guard let name = tool["name"]?.string, Authorization.isValidToolName(name) else { throw .badName(path: path) }
        let canonical: [UInt8]
        do { canonical = try CanonicalJSON.bytes(tool) } catch {
            // The encoder's path starts at the tool's own `$`: put it under the caller's.
            guard case .numberOutOfRange(let n, let inner) = error else { throw .notCanonical(error) }
            throw .notCanonical(.numberOutOfRange(n, path: path + inner.dropFirst()))
        }
        // Hashed from the encoder's bytes: the text is built once, for the store, not for the hash.
        return ObservedTool(name: name, canonical: String(decoding: canonical, as: UTF8.self),
                            hash: Secrets.hex(Secrets.sha256(bytes: canonical)))
    }

    /// SHA-256 of the canonical text, lowercase hex.
    public static func hash(_ canonical: String) -> String { Secrets.hex(Secrets.sha256(canonical)) }

    /// Whether `text` has the shape of a pin hash (64 lowercase hex digits).
    public static func isHash(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
