/// What an operator may type to name something (the one rule every command resolves by): a
/// full ID; a unique prefix of a full ID that reaches at least `spiffe://TD/agent/NAME/` (agents)
/// or `tok_` plus 6 characters (credentials); or an exact registered agent name. Never a name
/// prefix: `revoke code` must not find `code-review-agent`.
public enum IDReference {
    /// Characters a credential prefix needs after `tok_`.
    public static let credentialPrefixMinimum = 6

    /// True when `text` is long enough to be taken as a prefix of agent IDs: it names the agent's
    /// trust domain and whole name, up to and including the `/` after it.
    public static func isAgentPrefix(_ text: String) -> Bool {
        guard text.hasPrefix("spiffe://") else { return false }
        let parts = text.dropFirst("spiffe://".count).split(separator: "/", omittingEmptySubsequences: false)
        // DOMAIN, "agent", NAME, then at least the separator after NAME.
        return parts.count >= 4 && !parts[0].isEmpty && parts[1] == "agent" && !parts[2].isEmpty
    }

    /// True when `text` is long enough to be taken as a prefix of credential IDs.
    public static func isCredentialPrefix(_ text: String) -> Bool {
        text.hasPrefix(Credential.idPrefix) && text.count >= Credential.idPrefix.count + credentialPrefixMinimum
    }

    /// The kinds of thing an exact ID can name.
    public enum Kind: String, Sendable { case principal, agent, credential }

    /// What an exact ID names, given every kind it matched. More than one kind is ambiguous and is
    /// refused (nil with `ambiguous` true), never settled by lookup order: a principal sharing an
    /// agent's ID must not take `warden revoke ID` away from the agent.
    public static func exactKind(_ matched: [Kind]) -> (kind: Kind?, ambiguous: Bool) {
        (matched.count == 1 ? matched[0] : nil, matched.count > 1)
    }
}
