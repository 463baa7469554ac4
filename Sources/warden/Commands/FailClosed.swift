import WardenCore
import WardenStore
import WardenSystem

/// The CLI's deciding paths (`authorize`, the hooks) against a store that may fail: the store is
/// opened and asked again, with growing pauses, for at most `store_timeout`; a store that still
/// fails denies the call `store_unavailable`. An error is never an allow.
enum FailClosed {
    struct Decided {
        /// The connection that decided; nil when the store did not answer.
        var store: (any FleetStore)?
        var outcome: AuthorizationOutcome
        /// Why the store did not answer (for stderr, or the hook's answer); nil when it did.
        var failure: String?
    }

    /// Decides, then runs `record` (the call or outcome the caller writes) on the same
    /// connection within the same attempt, so a store that is locked or restarting when the call
    /// is written is waited out like one that fails to decide, and never for longer than
    /// `store_timeout`. A path that writes opens the store for the gate (a short lock wait per
    /// attempt); one that only reads opens it read-only.
    static func decide(_ backend: any StoreBackend, secret: String, serverTool: String, _ ctx: Context,
                       record: ((any FleetStore, AuthorizationOutcome) throws(StoreError) -> Void)? = nil,
                       retry: StoreRetry = StoreRetry()) -> Decided {
        let use: StoreUse = record == nil ? .decision : .gate
        var store: (any FleetStore)?
        var timeoutMs: Int64?
        var attempts = 0
        let result = retry.run(timeoutMs: { timeoutMs = storeTimeoutMs(ctx); return timeoutMs! }, retrying: isTransient) {
            () throws(StoreError) -> AuthorizationOutcome in
            attempts += 1
            let s: any FleetStore
            if let store { s = store } else { s = try backend.connect(for: use) }
            store = s
            do throws(StoreError) {
                let outcome = try s.authorize(secret: secret, serverTool: serverTool, now: ctx.now)
                try record?(s, outcome)
                return outcome
            } catch {
                if isTransient(error) { store = nil }  // a fresh connection at the next attempt
                throw error
            }
        }
        switch result {
        case .success(let outcome):
            return Decided(store: store, outcome: outcome, failure: nil)
        case .failure(let error):
            let waited = timeoutMs.map { "within \(DurationText.canonical($0)) (\(attempts) attempt\(attempts == 1 ? "" : "s"))" } ?? "and was not retried"
            return Decided(store: nil, outcome: unavailable, failure: "the store did not answer \(waited): \(error)")
        }
    }

    /// The outcome of a call the store could not decide: nothing known of the credential.
    static let unavailable = AuthorizationOutcome(decision: .deny(.storeUnavailable), credentialID: nil, agentID: nil, instanceID: nil)

    /// A failure that may pass (I/O, a lock, a lost connection). A missing or refused store is
    /// no better for waiting, so it denies at once.
    static func isTransient(_ error: StoreError) -> Bool {
        if case .io = error { return true }
        return false
    }

    /// `store_timeout`, read from the config file only now that the store has failed, so a
    /// decision that succeeds never reads the file for it. A config that cannot be read still
    /// denies, after the default wait.
    static func storeTimeoutMs(_ ctx: Context) -> Int64 {
        do { return try ctx.settings().store.storeTimeoutMs } catch {
            ctx.note("warden: \(error); waiting the default store_timeout of \(DurationText.canonical(StoreRetry.defaultTimeoutMs))")
            return StoreRetry.defaultTimeoutMs
        }
    }
}
