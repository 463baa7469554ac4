import WardenCore
import WardenHTTPClient
import WardenSystem

/// Where `mcp-proxy --decide` asks: `warden serve`'s base URL, and the PEM bundle to trust
/// for it (nil: the system's CAs).
public struct DecideService: Sendable, Equatable {
    public var url: String
    public var caFile: String?
    public init(url: String, caFile: String? = nil) {
        self.url = url
        self.caFile = caFile
    }
}

/// The agent API (`AgentAPI`) as the proxy calls it: JSON POSTs with the agent's own bearer
/// credential, over libcurl handles kept between calls (one connection stays open, so a
/// decision costs a round trip, not a TCP and TLS handshake).
final class ServiceClient: @unchecked Sendable {
    /// An exchange that did not happen (no connection, a timeout, TLS refused): worth retrying.
    struct Unreachable: Error, CustomStringConvertible { let description: String }

    let service: DecideService
    private let base: String
    private let secret: String
    private let http = HTTPClient()
    /// One exchange at most this long; a service that hangs is a service that is down.
    static let requestTimeoutMs = 10_000
    /// Answers are small; anything longer is not the service's.
    static let maxAnswerBytes = 4 << 20

    init(service: DecideService, secret: String) {
        self.service = service
        self.secret = secret
        var b = service.url
        while b.hasSuffix("/") { b.removeLast() }
        base = b
    }

    /// POSTs `body` to `path`; the status and the answer's JSON (nil when it is not JSON).
    func post(_ path: String, _ body: JSONValue) -> Result<(status: Int, answer: JSONValue?), Unreachable> {
        var request = HTTPClient.Request(method: "POST", url: base + path,
                                         headers: [HTTPHeader("Content-Type", "application/json"),
                                                   HTTPHeader("Authorization", "Bearer " + secret)],
                                         body: Array(JSONWriter.write(body, indent: false).utf8))
        request.caFile = service.caFile
        request.timeoutMs = Self.requestTimeoutMs
        request.connectTimeoutMs = Self.requestTimeoutMs
        var bytes: [UInt8] = []
        do {
            let head = try http.perform(request, onHead: { _ in true }, onBody: { piece in
                bytes += piece
                return bytes.count <= Self.maxAnswerBytes
            })
            return .success((head.status, try? JSONParser.parse(bytes: bytes)))
        } catch {
            return .failure(Unreachable(description: "\(service.url) did not answer (\(error.description))"))
        }
    }

    /// A short account of a refusal for the proxy's stderr (the service's own words, no secret).
    static func detail(_ status: Int, _ answer: JSONValue?) -> String {
        let what = answer?["detail"]?.string ?? answer?["reason"]?.string ?? answer?["error"]?.string ?? "no reason given"
        return "HTTP \(status): \(what)"
    }
}
