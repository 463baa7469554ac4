/// Validation and formatting of the names and IDs operators type.
public enum Identity {
    public struct Invalid: Error, Equatable, Sendable, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// Agent names are SPIFFE path segments: 1–64 of `A–Z a–z 0–9 . _ -`, not starting with '.'.
    public static func validateAgentName(_ name: String) throws(Invalid) {
        guard !name.isEmpty, name.utf8.count <= 64 else {
            throw Invalid("agent name must be 1 to 64 characters")
        }
        guard name.utf8.allSatisfy(isSegmentByte), name.first != "." else {
            throw Invalid("agent name '\(name)' may use only letters, digits, '.', '_' and '-' and may not start with '.'")
        }
    }

    /// Trust domains: lowercase letters, digits, '.', '-', '_' (SPIFFE).
    public static func validateTrustDomain(_ domain: String) throws(Invalid) {
        guard !domain.isEmpty, domain.utf8.count <= 255,
              domain.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 46 || $0 == 45 || $0 == 95 })
        else { throw Invalid("trust domain '\(domain)' may use only lowercase letters, digits, '.', '-' and '_'") }
    }

    /// Principal IDs: `user:NAME` or `workload:NAME`, no spaces or control characters. Nothing
    /// else, so a principal can never take the shape of an agent's SPIFFE ID, a credential ID or a
    /// secret, and `warden revoke ID` cannot be steered to a lookalike principal.
    public static func validatePrincipalID(_ id: String) throws(Invalid) {
        let prefixes = ["user:", "workload:"]
        guard let prefix = prefixes.first(where: { id.hasPrefix($0) }), id.count > prefix.count else {
            throw Invalid("principal ID '\(id)' must look like user:alice@example.com or workload:ci/deploy")
        }
        guard id.utf8.count <= 256, id.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && !(0x80...0x9F).contains($0.value) && !$0.properties.isWhitespace }) else {
            throw Invalid("principal ID must be at most 256 characters without spaces or control characters")
        }
    }

    /// An agent's SPIFFE ID as telemetry may bring one: `spiffe://DOMAIN/agent/NAME/REST`, at
    /// most 512 bytes, no space, ASCII or C1 control character anywhere, DOMAIN and REST not
    /// empty, DOMAIN without '/', NAME by the agent name rule. PostgreSQL's
    /// `warden_observe_agent` checks the same (`ObservedAgentIDs.idPattern`), so an ingester's
    /// login cannot record an "agent" under a principal's or a credential's ID.
    public static func isObservedAgentID(_ id: String) -> Bool {
        guard id.utf8.count <= 512, id.hasPrefix("spiffe://"),
              id.unicodeScalars.allSatisfy({ $0.value > 0x20 && !(0x7F...0x9F).contains($0.value) }) else { return false }
        let afterScheme = id.dropFirst("spiffe://".count)
        guard let slash = afterScheme.firstIndex(of: "/"), slash != afterScheme.startIndex else { return false }
        let path = afterScheme[afterScheme.index(after: slash)...]
        guard path.hasPrefix("agent/") else { return false }
        let afterAgent = path.dropFirst("agent/".count)
        guard let end = afterAgent.firstIndex(of: "/"), (try? validateAgentName(String(afterAgent[..<end]))) != nil else { return false }
        return afterAgent.index(after: end) < afterAgent.endIndex
    }

    /// `spiffe://DOMAIN/agent/NAME/SUFFIX`.
    public static func agentID(trustDomain: String, name: String, suffix: String) -> String {
        "spiffe://\(trustDomain)/agent/\(name)/\(suffix)"
    }

    /// Whether `id` is an agent SPIFFE ID within `trustDomain`.
    public static func isAgentID(_ id: String, in trustDomain: String) -> Bool {
        let prefix = "spiffe://\(trustDomain)/agent/"
        guard id.hasPrefix(prefix) else { return false }
        let rest = id.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false)
        return rest.count == 2 && rest.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy(isSegmentByte) }
    }

    /// The NAME segment of an agent SPIFFE ID, if it is one.
    public static func agentName(fromID id: String) -> String? {
        let parts = id.split(separator: "/")
        guard parts.count >= 5, parts[0] == "spiffe:", parts[2] == "agent" else { return nil }
        return String(parts[3])
    }

    static func isSegmentByte(_ b: UInt8) -> Bool {
        (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b == 46 || b == 95 || b == 45
    }
}
