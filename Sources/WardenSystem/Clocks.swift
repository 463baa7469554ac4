import Glibc

/// The host's wall clock in milliseconds since the epoch: what the store's timestamps count.
/// Read only at the edges (commands, runtimes); the domain receives time as a value.
public enum WallClock {
    @Sendable public static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}

/// Monotonic time for durations and deadlines: never jumps with the wall clock.
public enum MonotonicClock {
    public static func nanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    public static func millis() -> Int64 {
        Int64(nanos() / 1_000_000)
    }
}

/// CPU time used so far, in nanoseconds (user + system): unlike the wall clock, it does not
/// count time spent waiting for a core on a busy machine.
public enum CPUClock {
    /// By the calling thread.
    public static func threadNanos() -> UInt64 { read(CLOCK_THREAD_CPUTIME_ID) }
    /// By every thread of the process.
    public static func processNanos() -> UInt64 { read(CLOCK_PROCESS_CPUTIME_ID) }

    private static func read(_ clock: clockid_t) -> UInt64 {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

/// Sleeping for a while, resumed after a signal until the whole time has passed.
public enum Pause {
    @Sendable public static func millis(_ ms: Int64) {
        guard ms > 0 else { return }
        var left = timespec(tv_sec: Int(ms / 1000), tv_nsec: Int(ms % 1000) * 1_000_000)
        var rest = timespec()
        while nanosleep(&left, &rest) != 0 && errno == EINTR { left = rest }
    }
}
