import CProcess
import Glibc

/// Keeps a credential secret this process holds away from other processes of the same user
/// (the governed MCP server above all, which can read `/proc/$PPID/environ`).
public enum ProcessHygiene {
    /// Marks this process non-dumpable, so other processes of its user can read neither
    /// `/proc/PID/environ` nor `/proc/PID/mem` (root still can). A child started later is dumpable
    /// again (execve resets it). False if the kernel refused.
    @discardableResult
    public static func makeNonDumpable() -> Bool {
        warden_set_nondumpable() == 0
    }

    /// Overwrites the variable's value in this process's environment block (what
    /// `/proc/PID/environ` shows, even to root) and removes it from the environment.
    public static func scrubEnvironmentVariable(_ name: String) {
        _ = warden_scrub_environment_variable(name)
    }

    /// Overwrites every occurrence of `secret` in this process's arguments with `*` (argv is what
    /// `/proc/PID/cmdline` and `ps` show to every user). Shortens the exposure of `--token SECRET`;
    /// it cannot undo what was seen before.
    public static func scrubArguments(_ secret: String) {
        let needle = Array(secret.utf8)
        guard !needle.isEmpty else { return }
        for i in 0..<Int(CommandLine.argc) {
            guard let arg = CommandLine.unsafeArgv[i] else { continue }
            let count = strlen(arg)
            guard count >= needle.count else { continue }
            arg.withMemoryRebound(to: UInt8.self, capacity: count) { bytes in
                var k = 0
                while k + needle.count <= count {
                    if memcmp(bytes + k, needle, needle.count) == 0 {
                        for j in 0..<needle.count { bytes[k + j] = UInt8(ascii: "*") }
                        k += needle.count
                    } else {
                        k += 1
                    }
                }
            }
        }
    }

    /// Reads one line from `fd` a byte at a time, so nothing after the newline is consumed (the
    /// proxy's client stream goes on after the secret). At most `limit` bytes; nil at once on EOF.
    public static func readLine(fd: Int32, limit: Int = 4096) -> String? {
        var bytes: [UInt8] = []
        var one: UInt8 = 0
        while bytes.count < limit {
            let n = Glibc.read(fd, &one, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            if one == 10 { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(one)
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }
}
