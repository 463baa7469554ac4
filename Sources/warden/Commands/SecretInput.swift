import Glibc
import WardenCore
import WardenSystem
import WardenMCP

/// Reads a command's credential secret from the source the command table's secret flags named.
/// A secret never needs to be in argv, which every user of the host can read (`ps`):
/// `--token-env VAR`, `--token-file PATH` (only its owner may read it) or `--token -` (stdin).
/// `--token VALUE` still works, with a warning, where the command's kind allows it.
enum SecretInput {
    struct Secret {
        let value: String
        /// The variable it came from (`--token-env`), to keep from any child process.
        let variable: String?
    }

    /// Reads the secret the invocation names, then makes this process non-dumpable so other
    /// processes of the user cannot read it from /proc/PID/environ or /proc/PID/mem.
    /// `--token -` reads one line of stdin and no more (mcp-proxy's client stream follows it).
    static func read(_ inv: Invocation, _ ctx: Context) throws -> Secret {
        defer { ProcessHygiene.makeNonDumpable() }
        guard let source = inv.secret, let kind = inv.command.secret else {
            throw UsageError("no credential: give --token-env VAR, --token-file PATH or --token -", command: inv.command)
        }
        switch source {
        case .variable(let variable, _):
            guard MCPProxyCommand.isEnvironmentName(variable) else {
                throw UsageError(MCPProxyCommand.notAnEnvironmentName, command: inv.command)
            }
            guard let s = ctx.environment[variable]?.trimmingWhitespace, !s.isEmpty else {
                throw UsageError("the environment variable \(variable) named by --token-env is not set", command: inv.command)
            }
            ProcessHygiene.scrubEnvironmentVariable(variable)
            return Secret(value: s, variable: variable)
        case .file(let path):
            return Secret(value: try fromFile(path, inv), variable: nil)
        case .standardInput:
            guard let line = ProcessHygiene.readLine(fd: 0)?.trimmingWhitespace, !line.isEmpty else {
                throw UsageError("--token -: no secret on standard input (one line is read)", command: inv.command)
            }
            return Secret(value: line, variable: nil)
        case .argument(let token):
            guard kind.argv == .allowed else {
                ProcessHygiene.scrubArguments(token)
                throw UsageError("--token takes only `-` (stdin) here: a secret on the command line is visible to every user of this host; use --token-env VAR, --token-file PATH or --token -", command: inv.command)
            }
            ctx.note("warden: warning: --token puts the secret on the command line, where every user of this host can read it; use --token-env VAR, --token-file PATH or --token -")
            ProcessHygiene.scrubArguments(token)
            return Secret(value: token, variable: nil)
        }
    }

    /// The secret in a regular file that only its owner may access, without surrounding whitespace.
    static func fromFile(_ path: String, _ inv: Invocation) throws -> String {
        let shown = TerminalText.safe(path)
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else {
            throw UsageError("--token-file \(shown): \(String(cString: strerror(errno)))", command: inv.command)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw UsageError("--token-file \(shown): not a regular file", command: inv.command)
        }
        guard st.st_mode & 0o077 == 0 else {
            let mode = String(st.st_mode & 0o777, radix: 8)
            throw UsageError("--token-file \(shown): its group or others have access (mode \(mode)); chmod 600 \(shown)", command: inv.command)
        }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while bytes.count <= 64 * 1024 {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes += buf[0..<n]
        }
        let secret = String(decoding: bytes, as: UTF8.self).trimmingWhitespace
        guard !secret.isEmpty, !secret.contains(where: \.isNewline) else {
            throw UsageError("--token-file \(shown): expected one line holding the secret", command: inv.command)
        }
        return secret
    }
}
