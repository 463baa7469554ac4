import Glibc
import WardenCore
import WardenMCP
import WardenStore
import WardenSystem

/// `warden serve`: the HTTP service on a store. Plain HTTP only on loopback; SIGTERM or SIGINT
/// stop it gracefully (no new connections, requests under way finish within `drainSeconds`,
/// then every record is flushed).
public enum ServeService {
    public struct Options: Sendable {
        public var listen: ListenAddress
        /// PEM files; both or neither.
        public var tlsCertFile: String?
        public var tlsKeyFile: String?
        public var config: ServeSection
        public var drainSeconds: Double = 10
        public var heartbeatSeconds: Double = 5
        /// Written in the service's heartbeat row (`warden --version`).
        public var version = "unknown"
        public var storeTimeoutMs: @Sendable () -> Int64 = { StoreRetry.defaultTimeoutMs }

        public init(listen: ListenAddress, tlsCertFile: String?, tlsKeyFile: String?, config: ServeSection) {
            self.listen = listen
            self.tlsCertFile = tlsCertFile
            self.tlsKeyFile = tlsKeyFile
            self.config = config
        }
    }

    /// The checks that need no socket: TLS both or neither, plain HTTP only on loopback.
    public static func check(_ o: Options) throws(ServeError) {
        if (o.tlsCertFile == nil) != (o.tlsKeyFile == nil) {
            throw ServeError("--tls-cert and --tls-key go together")
        }
        if o.tlsCertFile == nil && !o.listen.isLoopback {
            throw ServeError("--listen \(o.listen): plain HTTP is only allowed on a loopback address (127.0.0.1, [::1]); give --tls-cert and --tls-key to listen on \(o.listen.host)")
        }
    }

    static func say(_ text: String) { FD.writeAll(2, Array("warden serve: \(text)\n".utf8)) }

    /// Runs until SIGTERM/SIGINT; returns the exit code.
    public static func run(store: any StoreBackend, options o: Options) -> Int32 {
        do {
            try check(o)
            return try serve(store: store, o)
        } catch {
            say(error.description)
            return 2
        }
    }

    private static func serve(store: any StoreBackend, _ o: Options) throws(ServeError) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        // Upstream credentials were read into the config: out of the environment every stdio
        // upstream inherits, and out of /proc/PID/environ; and the process made non-dumpable,
        // so a stdio upstream (same OS user) cannot read them from this process's memory.
        for variable in o.config.secretVariables.sorted() { ProcessHygiene.scrubEnvironmentVariable(variable) }
        ProcessHygiene.makeNonDumpable()
        var key: String?, cert: String?
        if let c = o.tlsCertFile, let k = o.tlsKeyFile {
            cert = try pem(c, flag: "--tls-cert")
            key = try pem(k, flag: "--tls-key")
        }
        // Every thread started from here on (libmicrohttpd's, libcurl's, ours) has SIGTERM and
        // SIGINT blocked, so no poll(2) of theirs is cut short: only this thread takes them.
        StopSignal.block()
        let stopPipe = try StopSignal.install()
        let recorder: GatewayRecorder
        do { recorder = try GatewayRecorder(backend: store) } catch { throw ServeError("the store at \(store.location): \(error.description)") }
        // Fail at start, not at the first request, when the store cannot decide.
        do { _ = try store.open(for: .gate) } catch { throw ServeError("the store at \(store.location): \(error.description)") }
        recorder.start()
        let pool = GateConnections(backend: store, storeTimeoutMs: o.storeTimeoutMs, note: { say($0) })
        let metrics = Metrics()

        let (fd, port) = try o.listen.bind()
        let scheme = cert == nil ? "http" : "https"
        let hostPart = o.listen.isIPv6 ? "[\(o.listen.host)]" : o.listen.host
        let base = o.config.publicURL ?? "\(scheme)://\(hostPart):\(port)"
        var origins = [base, "\(scheme)://\(hostPart):\(port)"]
        if o.listen.isLoopback { origins += ["\(scheme)://localhost:\(port)", "\(scheme)://127.0.0.1:\(port)", "\(scheme)://[::1]:\(port)"] }
        let instances = GatewayInstances(recorder: recorder, host: hostName(), clock: WallClock.now)
        let gateway = Gateway(config: o.config, pool: pool, recorder: recorder, metrics: metrics, instances: instances,
                              baseURL: base, ownOrigins: origins, note: { say($0) })
        metrics.setOpenSessions { gateway.sessions.count }
        let authzen = AuthZEN(pool: pool, metrics: metrics, baseURL: base, ownOrigins: origins, allowedOrigins: o.config.allowedOrigins)

        var httpOptions = HTTPServer.Options()
        httpOptions.maxBodyBytes = o.config.maxBodyBytes
        httpOptions.connectionTimeoutSeconds = UInt32(o.config.clientTimeoutSeconds)
        httpOptions.headerTimeoutSeconds = UInt32(o.config.headerTimeoutSeconds)
        httpOptions.connectionLimit = UInt32(o.config.maxConnections)
        httpOptions.perIPConnectionLimit = UInt32(o.config.maxConnectionsPerIP)
        let desk = AgentDesk(pool: pool, recorder: recorder)
        let server = try HTTPServer(listenFD: fd, options: httpOptions, handler: { request in
            route(request, gateway: gateway, metrics: metrics, desk: desk, authzen: authzen)
        }, completion: { request, status, note, nanos in
            metrics.request(status: status, seconds: Double(nanos) / 1e9)
            FD.writeAll(2, Array((AccessLog.line(request: request, status: status, note: note, nanos: nanos, at: WallClock.now()) + "\n").utf8))
        })
        try server.start(tlsKey: key, tlsCert: cert)
        // Tests and scripts read the chosen port from this line.
        say("listening on \(o.listen.isIPv6 ? "[\(o.listen.host)]" : o.listen.host):\(port) (\(scheme)); upstreams: \(o.config.upstreams.keys.sorted().joined(separator: ", "))")

        let heartbeat = ServiceHeartbeat(backend: store, host: hostName(), listen: "\(hostPart):\(port)", version: o.version,
                                         sessions: { gateway.sessions.count }, clock: WallClock.now, note: { say($0) })
        BackgroundThread.start(name: "warden-serve-heartbeat") {
            while StopSignal.wait(fd: stopPipe, seconds: o.heartbeatSeconds) == false {
                instances.heartbeat()
                heartbeat.beat()
            }
        }
        // Idle sessions are looked for a few times per `serve.session_idle`, and server streams
        // whose token fell, every few seconds (at most every 5 s).
        let sweepEvery = min(5, max(0.25, Double(o.config.sessionIdleMs) / 4000))
        BackgroundThread.start(name: "warden-serve-sessions") {
            while StopSignal.wait(fd: stopPipe, seconds: sweepEvery) == false {
                gateway.endFallenStreams()
                gateway.reapIdleSessions()
            }
        }
        StopSignal.unblock()
        _ = StopSignal.wait(fd: stopPipe, seconds: nil)

        server.quiesce()
        say("stopping: no new connections; waiting up to \(Int(o.drainSeconds))s for \(server.requestsInFlight) request(s)")
        // Calls under way finish first; the server streams (quiet by nature) are ended after.
        let deadline = Deadline.after(seconds: o.drainSeconds)
        _ = server.drain(until: deadline) { gateway.openServerStreams }
        // A client whose call just finished gets a moment to end its session itself (DELETE),
        // rather than see its server stream cut under it.
        _ = server.drain(until: min(deadline, Deadline.after(seconds: 2)))
        gateway.shutdown()
        // What arrives from here on (a kept-alive connection's next request) is refused, so the
        // stop below cuts no answer to a request that had an effect.
        server.refuseNewRequests()
        let drained = server.drain(until: max(deadline, Deadline.after(seconds: 2)))
        server.stop()
        gateway.stopUpstreams()
        instances.stopAll()
        recorder.stop()
        heartbeat.stop()
        say(drained ? "stopped" : "stopped with requests still open after \(Int(o.drainSeconds))s")
        return 0
    }

    static func route(_ request: HTTPRequest, gateway: Gateway, metrics: Metrics, desk: AgentDesk, authzen: AuthZEN) -> HTTPResponse {
        switch Route.of(path: request.path) {
        case .health:
            return request.method == "GET" ? .text(200, "ok") : .text(405, "use GET")
        case .metrics:
            guard request.method == "GET" else { return .text(405, "use GET") }
            return HTTPResponse(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4")], body: .bytes(Array(metrics.render().utf8)))
        case .resourceMetadata(let name):
            return request.method == "GET" ? gateway.metadata(name) : .text(405, "use GET")
        case .mcp(let name):
            return gateway.handle(request, name: name)
        case .agentAPI:
            let r = WardenAPI.handle(request, desk: desk)
            // Decisions asked through the API count with the gateway's (decisions by reason).
            if request.path == AgentAPI.decidePath, r.status == 200, let d = r.note.decision { metrics.decision(d == "allow" ? nil : d) }
            return r
        case .evaluation:
            return authzen.handle(request, batch: false)
        case .evaluations:
            return authzen.handle(request, batch: true)
        case .authzenMetadata:
            return request.method == "GET" ? authzen.metadata() : .text(405, "use GET")
        case .notFound:
            return .text(404, "not found")
        }
    }

    private static func pem(_ path: String, flag: String) throws(ServeError) -> String {
        guard let data = try? FileContents.read(path) else { throw ServeError("\(flag) \(path): cannot read the file") }
        let text = String(decoding: data, as: UTF8.self)
        guard text.contains("-----BEGIN ") else { throw ServeError("\(flag) \(path): not a PEM file") }
        return text
    }

    static func hostName() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "localhost" }
        let h = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return h.isEmpty ? "localhost" : h
    }
}

/// SIGTERM and SIGINT → one byte on a pipe (write(2) is async-signal-safe); the service waits on
/// the pipe, whichever thread the signal lands on.
enum StopSignal {
    nonisolated(unsafe) static var writeFD: Int32 = -1

    static func block() { mask(SIG_BLOCK) }
    static func unblock() { mask(SIG_UNBLOCK) }

    private static func mask(_ how: Int32) {
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGTERM, SIGINT] { sigaddset(&set, s) }
        pthread_sigmask(how, &set, nil)
    }

    static func install() throws(ServeError) -> Int32 {
        guard let p = FD.pipe() else { throw ServeError("cannot create a pipe: \(FD.errorText)") }
        writeFD = p.write
        for s in [SIGTERM, SIGINT] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { _ in
                var one: UInt8 = 1
                _ = Glibc.write(StopSignal.writeFD, &one, 1)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(s, &action, nil)
        }
        return p.read
    }

    /// True when a stop was asked (the byte stays readable for every waiter); false on timeout.
    static func wait(fd: Int32, seconds: Double?) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ms = seconds.map { Int32($0 * 1000) } ?? -1
        while true {
            let r = poll(&p, 1, ms)
            if r > 0 { return true }
            if r == 0 { return false }
            if errno != EINTR { return true }
        }
    }
}
