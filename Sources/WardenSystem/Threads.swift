import CProcess
import Glibc

/// A mutual-exclusion lock (pthread), so the command line's modules need no Foundation: loading
/// Foundation and ICU costs a process several milliseconds, and `warden authorize` runs once per
/// tool call from an agent runtime's hooks.
public final class Lock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    public init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func lock() { pthread_mutex_lock(mutex) }
    public func unlock() { pthread_mutex_unlock(mutex) }

    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}

/// A detached thread running `body` (pthread).
public enum BackgroundThread {
    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Starts `body` on a new thread; false when the system refused one.
    /// `name` (cut to 15 bytes by the kernel) shows in `top -H`, `perf` and debuggers.
    @discardableResult
    public static func start(name: String? = nil, _ body: @escaping @Sendable () -> Void) -> Bool {
        let run: () -> Void = name.map { name in
            { setName(name); body() }
        } ?? body
        let box = Unmanaged.passRetained(Box(run)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        guard rc == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            return false
        }
        pthread_detach(thread)
        return true
    }

    private static func setName(_ name: String) { warden_set_thread_name(name) }
}

/// A lock with a condition to wait on (pthread), for a worker that sleeps until work arrives or a
/// deadline passes. Deadlines are on the monotonic clock, so a wall-clock step never wakes it early
/// or keeps it asleep.
public final class Condition: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    public init() {
        pthread_mutex_init(mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    public func lock() { pthread_mutex_lock(mutex) }
    public func unlock() { pthread_mutex_unlock(mutex) }
    public func signal() { pthread_cond_signal(cond) }
    public func broadcast() { pthread_cond_broadcast(cond) }

    /// Waits (the lock held) until signalled or `nanoseconds` have passed; false on timeout.
    @discardableResult
    public func wait(nanoseconds: Int64) -> Bool {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let total = Int64(now.tv_nsec) + max(0, nanoseconds)
        var deadline = timespec(tv_sec: now.tv_sec + Int(total / 1_000_000_000), tv_nsec: Int(total % 1_000_000_000))
        return pthread_cond_timedwait(cond, mutex, &deadline) == 0
    }

    public func wait() { pthread_cond_wait(cond, mutex) }

    /// Waits (the lock held) until signalled or `deadline` has passed; false once it has passed.
    @discardableResult
    public func wait(until deadline: Deadline) -> Bool {
        let now = MonotonicClock.nanos()
        guard deadline.nanos > now else { return false }
        return wait(nanoseconds: Int64(clamping: deadline.nanos - now))
    }
}

/// A point on the monotonic clock to wait until (what Foundation's `Date` was used for in
/// waits), so a wall-clock step neither shortens nor stretches a timeout.
public struct Deadline: Comparable, Sendable {
    public let nanos: UInt64

    public init(nanos: UInt64) { self.nanos = nanos }

    /// `seconds` from now (negative or NaN: now).
    public static func after(seconds: Double) -> Deadline {
        let delta = seconds.isFinite && seconds > 0 ? UInt64(min(seconds, 1e9) * 1e9) : 0
        return Deadline(nanos: MonotonicClock.nanos() + delta)
    }

    public var hasPassed: Bool { MonotonicClock.nanos() >= nanos }

    public static func < (a: Deadline, b: Deadline) -> Bool { a.nanos < b.nanos }
}

/// The process's environment as a dictionary (what Foundation's `ProcessInfo` gives), read from
/// `environ`; the first of a repeated name wins, as `getenv` does.
public enum ProcessEnvironment {
    public static func current() -> [String: String] {
        var env: [String: String] = [:]
        var p = Glibc.environ
        while let entry = p.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") {
                let key = String(text[..<eq])
                if env[key] == nil { env[key] = String(text[text.index(after: eq)...]) }
            }
            p += 1
        }
        return env
    }
}

extension ProcessEnvironment {
    /// The user's home folder: `$HOME`, else the password database's entry for this user.
    public static func home() -> String {
        if let h = getenv("HOME"), h.pointee != 0 { return String(cString: h) }
        if let pw = getpwuid(getuid()), let dir = pw.pointee.pw_dir { return String(cString: dir) }
        return "/"
    }

    /// The current working folder ("." when it cannot be named).
    public static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// `path` with symbolic links and `..` resolved (`path` itself when it does not exist).
    public static func resolved(_ path: String) -> String {
        guard let r = realpath(path, nil) else { return path }
        defer { free(r) }
        return String(cString: r)
    }
}
