import WardenCore

/// What an operator does to the governed state (principals, agents, credentials), and retention.
///
/// Every mutation takes a `Mutation` context (operator, time, reason) and appends its journal
/// record in the same transaction as the change: both commit or neither does.
///
/// Contracts a backend honours:
/// - Cascades are atomic. Disabling a principal, revoking an agent and narrowing a grant change
///   the target and every descendant (agents and credentials) in one transaction: a failure
///   part way leaves nothing changed, and no reader ever sees a descendant still standing after
///   its ancestor fell.
/// - The journal is one chain. Writers on any number of connections and processes append one at
///   a time: each record links to the head as it is when the record commits, so two concurrent
///   mutations never link to the same predecessor and the chain never forks.
public protocol OperatorActions: AnyObject {
    func addPrincipal(id: String, kind: Principal.Kind, name: String, scopes: ScopeSet,
                      _ m: Mutation) throws(StoreError) -> Principal
    /// Disables a principal and revokes its whole tree and their credentials, in one transaction.
    func disablePrincipal(_ id: String, _ m: Mutation) throws(StoreError) -> RevocationPlan
    /// Delegates a new agent from a principal or an agent (rule 1 enforced).
    func registerAgent(name: String, delegator: String, scopes: ScopeSet, ttlMs: Int64?,
                       _ m: Mutation) throws(StoreError) -> Agent
    /// Issues a credential; the secret in the result is never stored and never shown again.
    func issueCredential(agentID: String, ttlMs: Int64?, scopes: ScopeSet?, instanceID: String?,
                         _ m: Mutation) throws(StoreError) -> IssuedCredential
    /// Revokes an agent and its whole subtree and their credentials, in one transaction.
    func revokeAgent(_ id: String, _ m: Mutation) throws(StoreError) -> RevocationPlan
    func revokeCredential(_ id: String, _ m: Mutation) throws(StoreError) -> RevocationPlan
    /// Attenuates a grant and, in the same transaction, cuts every descendant's grant to its
    /// delegator's new effective scopes (rule 6); one journal record lists each change.
    func narrow(agentID: String, _ change: Narrowing, _ m: Mutation) throws(StoreError) -> NarrowingPlan
    /// Applies a validated fleet document all-or-nothing.
    func importFleet(_ document: FleetDocument, _ m: Mutation) throws(StoreError) -> ImportOutcome
    /// Records the state as it is as the new baseline, journaled with what differed (refused
    /// when nothing drifted).
    func acceptStateDrift(_ m: Mutation) throws(StoreError) -> StateCheck

    // MARK: Retention (not governed state; never the journal)
    /// Deletes what `prunable` counts, in batches of at most `batch` rows, each its own short
    /// write transaction (old rows are found in read transactions, which block no one).
    /// Aggregates (per-minute counts, tool usage) are kept.
    @discardableResult
    func prune(callsBefore: Timestamp, instancesStoppedBefore: Timestamp, batch: Int) throws(StoreError) -> PruneCounts
    /// The batch size that keeps this backend's write lock short enough for `prune`.
    var pruneBatch: Int { get }
}
