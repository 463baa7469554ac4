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

    static func decide(_ backend: any StoreBackend, readOnly: Bool, secret: String, serverTool: String, _ ctx: Context,
                       retry: StoreRetry = StoreRetry()) -> Decided {
        var store: (any FleetStore)?
        var timeoutMs: Int64?
        let result = retry.run(timeoutMs: { timeoutMs = storeTimeoutMs(ctx); return timeoutMs! }, retrying: isTransient) {
            () throws(StoreError) -> AuthorizationOutcome in
            let s: any FleetStore
            if let store { s = store } else { s = try backend.open(for: .operations(readOnly: readOnly)) }
            store = s
            do throws(StoreError) { return try s.authorize(secret: secret, serverTool: serverTool, now: ctx.now) } catch {
                if isTransient(error) { store = nil }  // a fresh connection at the next attempt
                throw error
            }
        }
        switch result {
        case .success(let outcome):
            return Decided(store: store, outcome: outcome, failure: nil)
        case .failure(let error):
            let waited = timeoutMs.map { "within \(DurationText.canonical($0))" } ?? "and was not retried"
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
