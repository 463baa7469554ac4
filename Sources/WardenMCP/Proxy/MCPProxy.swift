import Dispatch
import Glibc
import WardenCore
import WardenStore
import WardenSystem

/// Everything one proxy run needs.
public struct MCPProxyConfiguration: Sendable {
    /// The store; the proxy opens its own connections to it. Unused (never opened) with `service`.
    public var store: (any StoreBackend)?
    /// `--decide`: ask `warden serve` instead of opening any store.
    public var service: DecideService?
    /// The credential secret (`wdn_…`).
    public var token: String
    /// The environment variable the token came from (`--token-env`): removed from the server's
    /// environment, so the server never sees the credential.
    public var tokenEnvironmentVariable: String?
    /// SERVER in `SERVER/TOOL` scopes; nil → the `serverInfo.name` the server gives in `initialize`.
    public var serverName: String?
    /// The MCP server's command line (searched in PATH).
    public var command: [String]
    /// The server's environment: the proxy's own, less the token variable and every `WARDEN_*`
    /// variable not named in `passEnvironment` (the store's location is none of its business).
    public var environment: [String: String]
    /// The host recorded on the proxy's instance (`--host`); nil → the machine's host name.
    public var hostName: String?
    public var heartbeatSeconds: Double = 5
    /// Forward SIGINT/SIGTERM/SIGHUP to the server (the CLI does; in-process harnesses may not).
    public var forwardSignals: Bool = true
    /// After the client closes stdin, how long the server gets to exit before SIGTERM (then SIGKILL).
    public var shutdownGraceSeconds: Double = 10
    /// Wall-clock milliseconds: authorization time and record times.
    public var clock: @Sendable () -> Timestamp = WallClock.now
    /// How long a decision waits out a failing store before denying `store_unavailable`
    /// (`store_timeout`); asked only when the store first fails.
    public var storeTimeoutMs: @Sendable () -> Int64 = { StoreRetry.defaultTimeoutMs }
    /// The client side: where requests come from and answers go.
    public var input: Int32 = 0
    public var output: Int32 = 1
    /// Where the proxy's own messages go (the server's stderr is always the proxy's stderr).
    public var errorOutput: Int32 = 2

    public init(store: (any StoreBackend)?, token: String, tokenEnvironmentVariable: String? = nil, serverName: String? = nil,
                command: [String], environment: [String: String]? = nil, passEnvironment: [String] = []) {
        self.store = store
        self.token = token
        self.tokenEnvironmentVariable = tokenEnvironmentVariable
        self.serverName = serverName
        self.command = command
        var env = (environment ?? ProcessEnvironment.current()).filter {
            !$0.key.hasPrefix("WARDEN_") || passEnvironment.contains($0.key)
        }
        if let v = tokenEnvironmentVariable { env[v] = nil }  // even when --pass-env names it
        self.environment = env
    }

    /// A proxy that asks `warden serve` (`--decide`) and has no store at all.
    public init(service: DecideService, token: String, tokenEnvironmentVariable: String? = nil, serverName: String? = nil,
                command: [String], environment: [String: String]? = nil, passEnvironment: [String] = []) {
        self.init(store: nil, token: token, tokenEnvironmentVariable: tokenEnvironmentVariable, serverName: serverName,
                  command: command, environment: environment, passEnvironment: passEnvironment)
        self.service = service
    }
}

/// `warden mcp-proxy`: a gatekeeper in front of one stdio MCP server.
public enum MCPProxy {
    /// Exit codes of the proxy itself (otherwise it exits with the server's code).
    public static let exitRuntimeError: Int32 = 2
    public static let exitDenied: Int32 = 3
    /// The server command could not be started (as a shell says).
    public static let exitCannotStart: Int32 = 127

    /// Runs until the server exits; returns its exit code (128 + signal if a signal ended it).
    public static func run(_ cfg: MCPProxyConfiguration) -> Int32 {
        let err = cfg.errorOutput
        func say(_ message: String) { FD.writeAll(err, Array("warden mcp-proxy: \(message)\n".utf8)) }

        // Writes to a vanished reader must fail with EPIPE, not kill the proxy.
        signal(SIGPIPE, SIG_IGN)

        guard let (gate, recordStore, location) = connect(cfg, say: say) else { return exitRuntimeError }

        // Learn whose credential this is; an unknown one cannot be governed, so refuse to start.
        let probe = gate.check(server: cfg.serverName ?? "warden", tool: "mcp-proxy")
        guard let agentID = probe.agentID, let credentialID = probe.credentialID else {
            if probe.reason == Gatekeeper.storeUnavailable {
                say("the store at \(location) did not answer")
                return exitRuntimeError
            }
            if let r = probe.reason, r != Authorization.Reason.unknownCredential.rawValue {
                // Only the service says this of a token at the door (it refuses the token itself).
                say("denied (\(r)): \(location) refuses this credential")
                return exitDenied
            }
            say("denied (unknown_credential): the token matches no credential in \(location)")
            return exitDenied
        }
        // The probe's tool is made up: out of scope or unapproved says nothing of the credential.
        if let r = probe.reason, r != Authorization.Reason.outOfScope.rawValue, r != Authorization.Reason.toolUnapproved.rawValue {
            say("warning: this credential is currently denied (\(r)); every tool call will be refused")
        }

        let host = cfg.hostName ?? hostName()
        let pid = Int64(getpid())
        // Through the service the ID carries the credential's, so the service can tell it is its own.
        let instanceID = probe.credentialInstanceID
            ?? (cfg.service == nil ? "mcp-\(pid)@\(host)" : AgentAPI.proxyInstanceID(pid: pid, host: host, credentialID: credentialID))
        let startedAt = cfg.clock()
        let recorder = Recorder(store: recordStore, instanceID: instanceID, heartbeatSeconds: cfg.heartbeatSeconds,
                                clock: cfg.clock)
        let clock = cfg.clock
        @Sendable func started(server: String?) -> InstanceEvent {
            .started(Instance(id: instanceID, agentID: agentID, host: instanceHost(host, server: server), pid: pid,
                              startedAt: startedAt, lastHeartbeat: clock()))
        }
        recorder.record(started(server: cfg.serverName))
        recorder.start()

        let child: ChildProcess
        do {
            child = try ChildProcess(command: cfg.command, environment: cfg.environment, stderrFD: err)
        } catch {
            say(error.description)
            recorder.record(.stopped(instanceID: instanceID, at: cfg.clock()))
            recorder.stop()
            return exitCannotStart
        }

        let relay = Relay(gate: gate, recorder: recorder, secret: cfg.token, clock: cfg.clock, agentID: agentID,
                          credentialID: credentialID, instanceID: instanceID, fixedServerName: cfg.serverName,
                          clientOut: cfg.output, via: .proxy,
                          onServerName: { name in recorder.record(started(server: name)) },
                          note: { FD.writeAll(err, Array("warden mcp-proxy: \($0)\n".utf8)) })
        relay.childIn = child.stdinFD

        if cfg.forwardSignals { SignalForwarding.install(childPID: child.pid) }
        defer { if cfg.forwardSignals { SignalForwarding.uninstall() } }

        guard let wake = FD.pipe() else {
            say("cannot create a pipe: \(FD.errorText)")
            child.signal(SIGTERM)
            _ = child.wait()
            recorder.stop()
            return exitRuntimeError
        }
        defer { FD.close(wake.read); FD.close(wake.write) }

        let serverDone = DispatchSemaphore(value: 0)
        let clientDone = DispatchSemaphore(value: 0)
        let childExited = DispatchSemaphore(value: 0)

        // Server → client.
        BackgroundThread.start(name: "warden-mcp-server-reader") {
            RelayLineReader(fd: child.stdoutFD).run { relay.handleServer($0) }
            serverDone.signal()
        }

        // Client → server. At the client's EOF, close the server's stdin and give it time to exit.
        let grace = cfg.shutdownGraceSeconds
        BackgroundThread.start(name: "warden-mcp-client-reader") {
            let reader = RelayLineReader(fd: cfg.input, wakeFD: wake.read)
            reader.run { relay.handleClient($0) }
            if !reader.woken {
                child.closeStdin()
                if childExited.wait(timeout: .now() + grace) == .timedOut {
                    child.signal(SIGTERM)
                    if childExited.wait(timeout: .now() + 3) == .timedOut { child.signal(SIGKILL) }
                }
            }
            clientDone.signal()
        }

        let code = child.wait()
        childExited.signal()
        childExited.signal()
        // Relay what the server wrote before it exited (a grandchild holding its stdout open
        // must not keep the proxy alive).
        let serverFinished = serverDone.wait(timeout: .now() + 2) == .success
        var one: UInt8 = 1
        _ = Glibc.write(wake.write, &one, 1)
        // A thread still blocked on a descriptor keeps it: closing it under the thread could hand
        // its number to another file.
        if clientDone.wait(timeout: .now() + 5) == .success { child.closeStdin() }
        if serverFinished { FD.close(child.stdoutFD) }

        relay.finishUnanswered()
        recorder.record(.stopped(instanceID: instanceID, at: cfg.clock()))
        recorder.stop()
        return code
    }

    /// What decides and what records: two store connections (one on the relay path, one in the
    /// background), or the service for both (no store is opened). Nil after saying why.
    private static func connect(_ cfg: MCPProxyConfiguration, say: (String) -> Void)
        -> (any CallDecider, any ActivityRecording, String)? {
        let err = cfg.errorOutput
        let note: @Sendable (String) -> Void = { FD.writeAll(err, Array("warden mcp-proxy: \($0)\n".utf8)) }
        if let service = cfg.service {
            let client = ServiceClient(service: service, secret: cfg.token)
            return (RemoteDecider(client: client, storeTimeoutMs: cfg.storeTimeoutMs, note: note),
                    RemoteRecording(client: ServiceClient(service: service, secret: cfg.token)), service.url)
        }
        guard let backend = cfg.store else {
            say("no store and no --decide service to ask")
            return nil
        }
        do {
            let gateStore = try backend.open(for: .gate)
            let recordStore = try backend.open(for: .ingest)
            let gate = Gatekeeper(store: gateStore, reopen: { () throws(StoreError) in try backend.open(for: .gate) },
                                  secret: cfg.token, clock: cfg.clock, storeTimeoutMs: cfg.storeTimeoutMs, note: note)
            return (gate, recordStore, backend.location.description)
        } catch {
            say(error.description)
            return nil
        }
    }

    /// A server name from `serverInfo.name` that fits the SERVER side of a scope: `/`, spaces
    /// and control characters become `-`.
    public static func serverName(fromServerInfo name: String) -> String {
        var out = ""
        for s in name.unicodeScalars {
            if s == "/" || s == "*" || s.value < 0x21 || s.value == 0x7F || (0x80...0x9F).contains(s.value)
                || s.properties.isWhitespace {
                out += "-"
            } else {
                out.unicodeScalars.append(s)
            }
        }
        return out.isEmpty ? "unknown" : out
    }

    /// The instance's host field: `HOST (SERVER)` once the server's name is known.
    static func instanceHost(_ host: String, server: String?) -> String {
        server.map { "\(host) (\($0))" } ?? host
    }

    static func hostName() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "localhost" }
        let h = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return h.isEmpty ? "localhost" : h
    }
}

/// SIGINT/SIGTERM/SIGHUP → the server. The handler only calls kill(2) (async-signal-safe).
enum SignalForwarding {
    nonisolated(unsafe) static var childPID: pid_t = 0
    nonisolated(unsafe) static var previous: [Int32: sigaction] = [:]
    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    static func install(childPID pid: pid_t) {
        childPID = pid
        // A parent may have started us with these blocked (a thread pool's mask is inherited
        // through spawn): unblock them on this thread, so they are delivered here.
        var set = sigset_t()
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        for s in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                let pid = SignalForwarding.childPID
                if pid > 0 { kill(pid, sig) }
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            var old = sigaction()
            sigaction(s, &action, &old)
            previous[s] = old
        }
    }

    static func uninstall() {
        for s in signals {
            if var old = previous[s] { sigaction(s, &old, nil) }
        }
        previous = [:]
        childPID = 0
    }
}
