/// How a deciding path waits out a store that fails (a lock held too long, a server restarting,
/// a file being replaced): attempts with growing pauses until `store_timeout` has passed since
/// the first attempt, then gives up with the last error, which the caller turns into a deny.
/// Time is injected, so tests run on a clock they advance themselves and never sleep.
public struct StoreRetry: Sendable {
    /// `store_timeout` when the config sets none.
    public static let defaultTimeoutMs: Int64 = 2_000
    /// Pauses between attempts, growing; the last one repeats until the timeout, and the final
    /// pause is cut so the last attempt starts at the timeout, not after it.
    public static let pausesMs: [Int64] = [10, 20, 50, 100, 200, 400, 500]

    /// Monotonic milliseconds.
    public var clock: @Sendable () -> Int64
    public var sleep: @Sendable (Int64) -> Void

    public init(clock: @escaping @Sendable () -> Int64 = MonotonicClock.millis,
                sleep: @escaping @Sendable (Int64) -> Void = Pause.millis) {
        self.clock = clock
        self.sleep = sleep
    }

    /// Runs `attempt` until it returns, fails with an error `retrying` refuses, or the timeout
    /// has passed since the first attempt. `timeoutMs` is asked only at the first failure, so a
    /// store that answers never costs reading the setting.
    public func run<T, E: Error>(timeoutMs: () -> Int64, retrying: (E) -> Bool,
                                 _ attempt: () throws(E) -> T) -> Result<T, E> {
        let start = clock()
        var deadline: Int64?
        var failures = 0
        while true {
            do { return .success(try attempt()) } catch {
                guard retrying(error) else { return .failure(error) }
                let end = deadline ?? start + timeoutMs()
                deadline = end
                let left = end - clock()
                guard left > 0 else { return .failure(error) }
                sleep(min(Self.pausesMs[min(failures, Self.pausesMs.count - 1)], left))
                failures += 1
            }
        }
    }
}
