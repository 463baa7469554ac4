/// Where plain `http://` may go: only to this machine, since anything else on the way could
/// read a token or change an answer. One rule for `mcp-proxy --decide` and `serve`'s upstreams.
public enum Loopback {
    /// Whether `HOST[:PORT]` names this machine: 127.0.0.0/8, [::1] or localhost.
    public static func isLoopback(authority: String) -> Bool {
        var host = Substring(authority)
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            return host[host.index(after: host.startIndex)..<close] == "::1"
        }
        if let colon = host.lastIndex(of: ":") { host = host[..<colon] }
        if host.lowercased() == "localhost" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { p in UInt8(p) != nil }
    }
}
