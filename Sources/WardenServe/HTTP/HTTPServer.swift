import CMicroHTTPD
import Glibc
import WardenSystem

/// libmicrohttpd behind a Swift handler. One thread per connection (a handler may wait on its
/// upstream); requests are tracked from their first byte until their last response byte, so a
/// graceful stop can wait for exactly those.
///
/// The unsafe part is small: each request's `RequestState` is retained into libmicrohttpd's
/// per-request slot and released in the completion callback; a streamed body's `ByteStream` is
/// retained into the response and released by its free callback. Nothing else crosses into C.
public final class HTTPServer: @unchecked Sendable {
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse
    /// After a request's response was sent (or the connection failed): for the access log and metrics.
    public typealias Completion = @Sendable (_ request: HTTPRequest, _ status: Int, _ note: AccessNote, _ nanos: UInt64) -> Void

    public struct Options: Sendable {
        public var maxBodyBytes = 4 << 20
        /// A connection that sends nothing this long is closed.
        public var connectionTimeoutSeconds: UInt32 = 60
        /// A request's headers must be in this long after the connection opened or its previous request ended.
        public var headerTimeoutSeconds: UInt32 = 10
        public var connectionLimit: UInt32 = 1024
        /// Connections from one address; 0 for no limit.
        public var perIPConnectionLimit: UInt32 = 256
        public init() {}
    }

    let mhd: LoadedLibrary<warden_libmhd>
    let handler: Handler
    let completion: Completion
    let options: Options
    private var daemon: OpaquePointer?
    private var listenFD: Int32
    private let counter = Condition()
    private var inFlight = 0
    /// Set by `refuseNewRequests`: a request begun after it is answered 503 without the handler.
    private var refusing = false
    private let deadlines: HeaderDeadlines
    private let watch = Condition()
    private var watching = false

    /// Loads libmicrohttpd (the first server of the process does); a missing library is an error
    /// naming the package to install.
    public init(listenFD: Int32, options: Options, handler: @escaping Handler, completion: @escaping Completion) throws(ServeError) {
        mhd = try LibMicroHTTPD.functions()
        self.listenFD = listenFD
        self.options = options
        self.handler = handler
        self.completion = completion
        deadlines = HeaderDeadlines(limitNanos: UInt64(options.headerTimeoutSeconds) * 1_000_000_000)
    }

    /// Starts serving on the listening socket; PEM key and certificate for TLS.
    public func start(tlsKey: String?, tlsCert: String?) throws(ServeError) {
        let me = Unmanaged.passUnretained(self).toOpaque()
        daemon = warden_mhd_start(mhd.functions, listenFD, { cls, connection, url, method, _, upload, uploadSize, slot in
            Unmanaged<HTTPServer>.fromOpaque(cls!).takeUnretainedValue()
                .access(connection!, url: url, method: method, upload: upload, uploadSize: uploadSize!, slot: slot!)
        }, me, { cls, connection, slot, _ in
            let server = Unmanaged<HTTPServer>.fromOpaque(cls!).takeUnretainedValue()
            if let connection { server.deadlines.requestEnded(UnsafeMutableRawPointer(connection)) }
            server.completed(slot: slot)
        }, me, { cls, connection, _, event in
            guard let connection else { return }
            let server = Unmanaged<HTTPServer>.fromOpaque(cls!).takeUnretainedValue()
            let deadlines = server.deadlines
            if event.rawValue == 0 {  // MHD_CONNECTION_NOTIFY_STARTED (its case name does not import)
                deadlines.opened(UnsafeMutableRawPointer(connection), fd: warden_mhd_connection_fd(server.mhd.functions, connection))
            } else {
                deadlines.closed(UnsafeMutableRawPointer(connection))
            }
        }, me, tlsKey, tlsCert, options.connectionTimeoutSeconds, options.connectionLimit, options.perIPConnectionLimit)
        guard daemon != nil else {
            throw ServeError(tlsKey == nil ? "cannot start the HTTP server" : "cannot start the HTTPS server: is the key the certificate's, both PEM?")
        }
        watchHeaderDeadlines()
    }

    /// Sweeps the header deadlines a few times per timeout, until `stop`.
    private func watchHeaderDeadlines() {
        watch.lock()
        watching = true
        watch.unlock()
        let every = max(0.25, min(1.0, Double(options.headerTimeoutSeconds) / 4))
        BackgroundThread.start(name: "warden-serve-headers") { [self] in
            watch.lock()
            while watching {
                if !watch.wait(until: Deadline.after(seconds: every)) {
                    watch.unlock()
                    deadlines.sweep()
                    watch.lock()
                }
            }
            watch.unlock()
        }
    }

    /// Stops accepting connections; requests under way go on.
    public func quiesce() {
        guard let daemon else { return }
        let fd = mhd.MHD_quiesce_daemon(daemon)
        if fd >= 0 { FD.close(fd) }
        listenFD = -1
    }

    /// From now on a request that begins (a kept-alive connection's next one) is answered 503
    /// with `Connection: close` and never reaches the handler; those already begun go on. A
    /// stop after `drain` then cuts no request that had an effect: without this, a request
    /// arriving between the drain and the stop ran (a call recorded) and lost its answer, and
    /// the client, seeing no answer, sent it again to the next service — recorded twice.
    public func refuseNewRequests() {
        counter.lock()
        refusing = true
        counter.unlock()
    }

    /// Waits until at most `allowed()` requests are in flight (those it may end itself), at
    /// most until `deadline`; true when reached.
    public func drain(until deadline: Deadline, allowed: () -> Int = { 0 }) -> Bool {
        counter.lock()
        defer { counter.unlock() }
        while inFlight > allowed() {
            if !counter.wait(until: deadline) { return inFlight <= allowed() }
        }
        return true
    }

    public func stop() {
        watch.lock()
        watching = false
        watch.broadcast()
        watch.unlock()
        if let daemon { mhd.MHD_stop_daemon(daemon) }
        daemon = nil
        if listenFD >= 0 { FD.close(listenFD) }
        listenFD = -1
    }

    public var requestsInFlight: Int {
        counter.lock()
        defer { counter.unlock() }
        return inFlight
    }

    // MARK: libmicrohttpd callbacks

    private func access(_ connection: OpaquePointer, url: UnsafePointer<CChar>?, method: UnsafePointer<CChar>?,
                        upload: UnsafePointer<CChar>?, uploadSize: UnsafeMutablePointer<Int>,
                        slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> MHD_Result {
        guard let raw = slot.pointee else {
            // The first call: headers only (and all of them: the header deadline is met).
            deadlines.headersIn(UnsafeMutableRawPointer(connection))
            let state = RequestState(method: method.map { String(cString: $0) } ?? "",
                                     path: url.map { String(cString: $0) } ?? "/")
            _ = mhd.MHD_get_connection_values(connection, .HEADER_KIND, { cls, _, key, value in
                let s = Unmanaged<RequestState>.fromOpaque(cls!).takeUnretainedValue()
                if let key, let value {
                    let name = String(cString: key).lowercased()
                    // Repeated headers are joined as HTTP allows (a list), so none is silently lost.
                    let v = String(cString: value)
                    s.headers[name] = s.headers[name].map { $0 + ", " + v } ?? v
                }
                return .YES
            }, Unmanaged.passUnretained(state).toOpaque())
            if let length = state.headers["content-length"], let n = Int(length), n > options.maxBodyBytes { state.tooLarge = true }
            slot.pointee = Unmanaged.passRetained(state).toOpaque()
            // Counted and judged under one lock: a drain after `refuseNewRequests` waits for
            // every request the handler may still see.
            counter.lock()
            inFlight += 1
            state.refused = refusing
            counter.unlock()
            return .YES
        }
        let state = Unmanaged<RequestState>.fromOpaque(raw).takeUnretainedValue()
        if uploadSize.pointee > 0 {
            if !state.tooLarge, let upload {
                if state.body.count + uploadSize.pointee > options.maxBodyBytes {
                    state.tooLarge = true
                    state.body = []
                } else {
                    upload.withMemoryRebound(to: UInt8.self, capacity: uploadSize.pointee) {
                        state.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: uploadSize.pointee))
                    }
                }
            }
            uploadSize.pointee = 0
            return .YES
        }
        let request = HTTPRequest(method: state.method, path: state.path, headers: state.headers, body: state.body)
        state.request = request
        let response: HTTPResponse
        if state.refused {
            var r = HTTPResponse.text(503, "the service is stopping")
            r.headers.append(("Connection", "close"))
            response = r
        } else if state.tooLarge {
            response = HTTPResponse.text(413, "request body larger than \(options.maxBodyBytes) bytes")
        } else {
            response = handler(request)
        }
        state.status = response.status
        state.note = response.note
        return queue(response, on: connection)
    }

    private func queue(_ response: HTTPResponse, on connection: OpaquePointer) -> MHD_Result {
        let r: OpaquePointer?
        switch response.body {
        case .bytes(let bytes):
            r = bytes.withUnsafeBytes {
                warden_mhd_response_copy(mhd.functions, $0.count, $0.baseAddress)
            }
        case .stream(let stream):
            r = mhd.MHD_create_response_from_callback(warden_mhd_size_unknown(), 16 * 1024, { cls, _, buf, max in
                let s = Unmanaged<ByteStream>.fromOpaque(cls!).takeUnretainedValue()
                guard let bytes = s.read(max: max) else { return warden_mhd_end_of_stream() }
                bytes.withUnsafeBytes { buf!.update(from: $0.baseAddress!.assumingMemoryBound(to: CChar.self), count: $0.count) }
                return bytes.count
            }, Unmanaged.passRetained(stream).toOpaque(), { cls in
                let s = Unmanaged<ByteStream>.fromOpaque(cls!).takeRetainedValue()
                s.release()
            })
        }
        guard let r else { return .NO }
        defer { mhd.MHD_destroy_response(r) }
        for (name, value) in response.headers { _ = mhd.MHD_add_response_header(r, name, value) }
        return mhd.MHD_queue_response(connection, UInt32(response.status), r)
    }

    private func completed(slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) {
        guard let slot, let raw = slot.pointee else { return }
        slot.pointee = nil
        let state = Unmanaged<RequestState>.fromOpaque(raw).takeRetainedValue()
        let request = state.request ?? HTTPRequest(method: state.method, path: state.path, headers: state.headers)
        completion(request, state.status, state.note, MonotonicClock.nanos() - state.startNanos)
        counter.lock()
        inFlight -= 1
        counter.broadcast()
        counter.unlock()
    }
}

/// What libmicrohttpd keeps for one request between its callbacks.
private final class RequestState {
    let method: String
    let path: String
    var headers: [String: String] = [:]
    var body: [UInt8] = []
    var tooLarge = false
    /// Begun after `refuseNewRequests`: answered 503, the handler never sees it.
    var refused = false
    var request: HTTPRequest?
    /// 0 until a response was queued (the client went away first).
    var status = 0
    var note = AccessNote()
    let startNanos = MonotonicClock.nanos()

    init(method: String, path: String) {
        self.method = method
        self.path = path
    }
}

/// A failure of the service itself, said to the operator (never holds a secret).
public struct ServeError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
