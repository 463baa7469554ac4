import WardenCore

/// What an enforcement point (the proxy, `warden serve`) reports of a server's tool list.
/// Pins are governed state: a change is written with its journal record in one transaction; a
/// list with nothing new writes nothing (one read).
public protocol ToolObservation: AnyObject {
    /// Records the tools a server lists now, each canonicalized and hashed by the caller: first
    /// sight as pending (approved instead when the server is seen for the first time and its
    /// policy is `trust`), a new hash on a known tool as it is (changed unless approved), tools
    /// no longer listed as gone. Returns the pin of every listed tool: an enforcement point lists
    /// only those whose status is approved and whose hash is the one it saw.
    func observeTools(server: String, tools: [ObservedTool], observer: String, at: Timestamp) throws(StoreError) -> [ToolPin]
    /// Every pinned tool (of one server), by server then tool name, with its decisions. (An
    /// enforcement point reads them to show a page of a longer list without recording it.)
    func toolPins(server: String?) throws(StoreError) -> [ToolPin]
}

/// The operator's side of tool pinning: reviewing, approving, rejecting, policies. Every change
/// is journaled (who, when, which hash, why).
public protocol ToolPinning: ToolObservation {
    /// Servers seen listing tools, or given a policy of their own, by name.
    func toolServers() throws(StoreError) -> [ToolServer]
    func toolPolicies() throws(StoreError) -> ToolPolicies
    func toolPin(server: String, tool: String) throws(StoreError) -> ToolPin?
    /// The canonical definition (RFC 8785 text) with this hash, as first seen.
    func toolDefinition(hash: String) throws(StoreError) -> String?
    /// Approves a definition of a listed tool: the current one, or the one `hash` names (which
    /// must be a definition seen for it). Refused when that hash is approved already.
    func approveTool(server: String, tool: String, hash: String?, _ m: Mutation) throws(StoreError) -> ToolPin
    /// Rejects a definition (the current one unless `hash` says): it leaves the approved set and
    /// stays quarantined. Needs a reason.
    func rejectTool(server: String, tool: String, hash: String?, _ m: Mutation) throws(StoreError) -> ToolPin
    /// Approves reviewed definitions ahead of time (`tools pin --from`): each becomes an
    /// approved hash of its tool whether or not the server was seen. Returns how many were new.
    func pinTools(server: String, tools: [ObservedTool], _ m: Mutation) throws(StoreError) -> Int
    /// One server's policy (nil: the store's default policy).
    func setToolPolicy(_ policy: ToolPolicy, server: String?, _ m: Mutation) throws(StoreError)
    func setUnknownServers(_ policy: UnknownServerPolicy, _ m: Mutation) throws(StoreError)
    /// Calls and denials per `server/tool` since a time (the Tools view's last hour), read from
    /// the per-minute tally the call writers keep: `since` rounds down to its minute (a call
    /// earlier in that minute counts). A prune leaves the minutes from its limit's on as they were.
    func toolActivity(since: Timestamp) throws(StoreError) -> [String: (calls: Int64, denied: Int64)]
}
