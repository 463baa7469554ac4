import CCurl
import Glibc
import WardenSystem

/// One header of a request or an answer, as sent (names compared without case).
public struct HTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A failure to exchange at all (no answer, a broken connection, a timeout). Never carries a
/// header value or a body: either may hold a secret.
public struct HTTPClientError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// HTTP exchanges through libcurl, answers streamed as they arrive. Handles are pooled so that
/// their connections to an upstream are kept alive between exchanges.
public final class HTTPClient: @unchecked Sendable {
    public struct Request: Sendable {
        public var method: String
        public var url: String
        public var headers: [HTTPHeader]
        public var body: [UInt8]
        public var connectTimeoutMs: Int = 10_000
        /// The whole exchange, answer included; nil: no limit (a server stream).
        public var timeoutMs: Int?
        /// Trust this PEM bundle for https instead of the system's CAs.
        public var caFile: String?
        public init(method: String, url: String, headers: [HTTPHeader] = [], body: [UInt8] = []) {
            self.method = method
            self.url = url
            self.headers = headers
            self.body = body
        }
    }

    /// The status line and headers of an answer.
    public struct Head: Sendable, Equatable {
        public var status: Int
        public var headers: [HTTPHeader]
        public init(status: Int, headers: [HTTPHeader]) {
            self.status = status
            self.headers = headers
        }
        public func value(_ name: String) -> String? {
            headers.first { $0.name.equalsIgnoringASCIICase(name) }?.value
        }
    }

    private let lock = Lock()
    /// Handles kept for reuse: only ever filled once libcurl is loaded.
    private var idle: [UnsafeMutableRawPointer] = []

    /// libcurl is loaded at the first exchange, not here: a `warden serve` whose upstreams are
    /// all stdio never loads it.
    public init() {}

    deinit {
        guard !idle.isEmpty, let curl = try? LibCurl.functions() else { return }
        for h in idle { curl.curl_easy_cleanup(h) }
    }

    /// Runs one exchange. `onHead` is called once, before any body bytes, and `onBody` with each
    /// piece as it arrives; either returning false ends the exchange early (no error).
    @discardableResult
    public func perform(_ request: Request, onHead: (Head) -> Bool, onBody: ([UInt8]) -> Bool) throws(HTTPClientError) -> Head {
        let curl = try LibCurl.functions()
        guard let handle = take(curl) else { throw HTTPClientError("cannot create an HTTP client handle") }
        var keep = true
        defer { give(handle, reuse: keep, curl) }
        let result: Result<Head, HTTPClientError> = withoutActuallyEscaping(onHead) { head in
            withoutActuallyEscaping(onBody) { body in
                let exchange = Exchange(curl, onHead: head, onBody: body)
                return run(handle, request, exchange, curl)
            }
        }
        if case .failure = result { keep = false }
        return try result.get()
    }

    private func run(_ h: UnsafeMutableRawPointer, _ request: Request, _ exchange: Exchange,
                     _ curl: LoadedLibrary<warden_libcurl>) -> Result<Head, HTTPClientError> {
        let f = curl.functions
        warden_curl_set_string(f, h, CURLOPT_URL, request.url)
        warden_curl_set_long(f, h, CURLOPT_NOSIGNAL, 1)  // threads: no SIGALRM for timeouts
        warden_curl_set_long(f, h, CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeoutMs)
        warden_curl_set_long(f, h, CURLOPT_TIMEOUT_MS, request.timeoutMs ?? 0)
        warden_curl_set_long(f, h, CURLOPT_FOLLOWLOCATION, 0)  // a redirect is the caller's to judge
        warden_curl_set_long(f, h, CURLOPT_TCP_NODELAY, 1)
        if let ca = request.caFile { warden_curl_set_string(f, h, CURLOPT_CAINFO, ca) }
        warden_curl_set_string(f, h, CURLOPT_CUSTOMREQUEST, request.method)
        if request.method == "GET" {
            warden_curl_set_long(f, h, CURLOPT_HTTPGET, 1)
        } else if request.method == "POST" || !request.body.isEmpty {
            warden_curl_set_long(f, h, CURLOPT_POST, 1)
        } else {
            warden_curl_set_long(f, h, CURLOPT_NOBODY, 0)
        }
        var list: UnsafeMutablePointer<curl_slist>?
        // curl would otherwise send `Expect: 100-continue` for large bodies and wait on it.
        for header in request.headers + [HTTPHeader("Expect", "")] {
            list = curl.curl_slist_append(list, "\(header.name): \(header.value)")
        }
        defer { curl.curl_slist_free_all(list) }
        warden_curl_set_pointer(f, h, CURLOPT_HTTPHEADER, list.map { UnsafeMutableRawPointer($0) })

        let box = Unmanaged.passUnretained(exchange).toOpaque()
        warden_curl_set_pointer(f, h, CURLOPT_WRITEDATA, box)
        warden_curl_set_pointer(f, h, CURLOPT_HEADERDATA, box)
        warden_curl_set_write(f, h, { ptr, size, count, user in
            let ex = Unmanaged<Exchange>.fromOpaque(user!).takeUnretainedValue()
            let n = size * count
            return ex.body(UnsafeRawBufferPointer(start: ptr, count: n), handle: ex.handle) ? n : 0
        })
        warden_curl_set_header(f, h, { ptr, size, count, user in
            let ex = Unmanaged<Exchange>.fromOpaque(user!).takeUnretainedValue()
            let n = size * count
            return ex.headerLine(UnsafeRawBufferPointer(start: ptr, count: n)) ? n : 0
        })
        exchange.handle = h
        // A non-empty buffer, so its address is never nil (libcurl copies nothing; the body
        // lives until perform returns).
        let body = request.body.isEmpty ? [CChar(0)] : request.body.map { CChar(bitPattern: $0) }
        let code = body.withUnsafeBufferPointer { b -> CURLcode in
            if request.method != "GET" { warden_curl_set_body(f, h, b.baseAddress!, request.body.count) }
            return curl.curl_easy_perform(h)
        }
        if exchange.stoppedByCaller { return .success(exchange.head(h)) }
        guard code == CURLE_OK else {
            return .failure(HTTPClientError(curl.curl_easy_strerror(code).map { String(cString: $0) } ?? "libcurl error \(code.rawValue)"))
        }
        _ = exchange.deliverHead(h)
        return .success(exchange.head(h))
    }

    private func take(_ curl: LoadedLibrary<warden_libcurl>) -> UnsafeMutableRawPointer? {
        lock.lock()
        if let h = idle.popLast() {
            lock.unlock()
            curl.curl_easy_reset(h)  // keeps the handle's live connections
            return h
        }
        lock.unlock()
        return curl.curl_easy_init()
    }

    private func give(_ h: UnsafeMutableRawPointer, reuse: Bool, _ curl: LoadedLibrary<warden_libcurl>) {
        guard reuse else { return curl.curl_easy_cleanup(h) }
        lock.lock()
        idle.append(h)
        lock.unlock()
    }
}

/// The state of one exchange, reached from libcurl's callbacks (on the calling thread).
private final class Exchange {
    let curl: LoadedLibrary<warden_libcurl>
    let onHead: (HTTPClient.Head) -> Bool
    let onBody: ([UInt8]) -> Bool
    var handle: UnsafeMutableRawPointer?
    var headers: [HTTPHeader] = []
    var headDelivered = false
    var stoppedByCaller = false

    init(_ curl: LoadedLibrary<warden_libcurl>, onHead: @escaping (HTTPClient.Head) -> Bool, onBody: @escaping ([UInt8]) -> Bool) {
        self.curl = curl
        self.onHead = onHead
        self.onBody = onBody
    }

    func head(_ h: UnsafeMutableRawPointer) -> HTTPClient.Head {
        HTTPClient.Head(status: warden_curl_response_code(curl.functions, h), headers: headers)
    }

    /// Each header line; a status line starts a new block (an interim 1xx answer came first).
    /// The blank line ending a final answer's headers hands the head over at once: a server
    /// stream may send no body byte for a long time. False stops the exchange.
    func headerLine(_ raw: UnsafeRawBufferPointer) -> Bool {
        // By bytes: in Swift "\r\n" is one Character, so a suffix test on the String misses it.
        var bytes = raw[...]
        while let last = bytes.last, last == 10 || last == 13 { bytes = bytes.dropLast() }
        let line = String(decoding: bytes, as: UTF8.self)
        if line.hasPrefix("HTTP/") { headers = []; return true }
        if line.isEmpty, let h = handle, warden_curl_response_code(curl.functions, h) >= 200 { return deliverHead(h) }
        guard let colon = line.firstIndex(of: ":") else { return true }
        let name = String(line[..<colon])
        let value = line[line.index(after: colon)...].trimmingWhitespace
        headers.append(HTTPHeader(name, value))
        return true
    }

    func deliverHead(_ h: UnsafeMutableRawPointer) -> Bool {
        if headDelivered { return true }
        headDelivered = true
        if !onHead(head(h)) { stoppedByCaller = true; return false }
        return true
    }

    func body(_ bytes: UnsafeRawBufferPointer, handle h: UnsafeMutableRawPointer?) -> Bool {
        guard let h, deliverHead(h) else { return false }
        if !onBody(Array(bytes)) { stoppedByCaller = true; return false }
        return true
    }
}
