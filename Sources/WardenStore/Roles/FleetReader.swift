import WardenCore

/// Reading the fleet: principals, agents, credentials, instances, calls, and what an action
/// would touch. Reads never block writers, and each call sees one committed state.
public protocol FleetReader: AnyObject {
    /// Where the store lives (a file path, or a connection description).
    var location: String { get }
    var isReadOnly: Bool { get }
    func trustDomain() throws(StoreError) -> String

    /// Resolves what an operator typed by the one rule of `IDReference`: a full ID, a unique ID
    /// prefix reaching `spiffe://TD/agent/NAME/` or `tok_` + 6, or an exact registered agent name.
    func resolve(_ reference: String) throws(StoreError) -> EntityRef
    /// Ordered by ID.
    func principals() throws(StoreError) -> [Principal]
    func principal(_ id: String) throws(StoreError) -> Principal?
    /// In registration order: the order the agents were first written (delegated, imported, or
    /// first seen in telemetry), oldest first. A delegator is always registered before its
    /// delegates, so a parent precedes its children; views and commands rely on this order.
    func agents() throws(StoreError) -> [Agent]
    /// One principal's agents, in registration order (as `agents()` lists them): a first look
    /// at a large store reads the principals its first screen shows, not every agent.
    func agents(ofPrincipal principalID: String) throws(StoreError) -> [Agent]
    /// At least the number of agents the store holds, from one indexed read (the largest
    /// registration position), never a count: what tells a large store from a small one.
    func agentCountBound() throws(StoreError) -> Int
    func agent(_ id: String) throws(StoreError) -> Agent?
    /// The agent, its delegator, … up to the agent its principal delegated.
    func chain(of agentID: String) throws(StoreError) -> [Agent]
    func effectiveScopes(of agentID: String) throws(StoreError) -> ScopeSet
    /// One agent's by start time; all of them in the order they were first written.
    func instances(agentID: String?) throws(StoreError) -> [Instance]
    /// One agent's by issue time; all of them in the order they were first written.
    func credentials(agentID: String?) throws(StoreError) -> [Credential]
    func credential(_ id: String) throws(StoreError) -> Credential?
    /// Newest first.
    func calls(_ query: CallQuery) throws(StoreError) -> [ToolCall]
    /// Per-agent call counts by minute since `since` (for rates and sparklines).
    func callMinutes(since: Timestamp) throws(StoreError) -> [CallMinute]
    /// Tools each agent used with an allow decision since `since`, as `server/tool`.
    func toolUsage(since: Timestamp) throws(StoreError) -> [String: Set<String>]

    /// What revoking `target` would touch now: the blast radius a dialog shows.
    func revocationPlan(_ target: EntityRef, now: Timestamp) throws(StoreError) -> RevocationPlan
    /// What `narrow` would do now, changing nothing: the agent's grant and every descendant grant
    /// it cuts, each before and after (the dashboard's dialog and `narrow --dry-run` show it).
    func narrowingPlan(agentID: String, _ change: Narrowing) throws(StoreError) -> NarrowingPlan
    /// What `prune` would delete now: calls before `callsBefore`, instances stopped before
    /// `instancesStoppedBefore` that no credential is bound to.
    func prunable(callsBefore: Timestamp, instancesStoppedBefore: Timestamp) throws(StoreError) -> PruneCounts
}
