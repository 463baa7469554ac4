import Testing
import WardenCore
@testable import WardenServe

@Suite struct RoutingTests {
    @Test func pathsRouteToTheirHandlers() {
        #expect(Route.of(path: "/healthz") == .health)
        #expect(Route.of(path: "/metrics") == .metrics)
        #expect(Route.of(path: "/mcp/github") == .mcp("github"))
        #expect(Route.of(path: "/.well-known/oauth-protected-resource/mcp/github") == .resourceMetadata("github"))
        #expect(Route.of(path: "/mcp/") == .notFound)
        #expect(Route.of(path: "/mcp/a/b") == .notFound)
        #expect(Route.of(path: "/mcp/..%2f") == .notFound)
        #expect(Route.of(path: "/") == .notFound)
    }

    @Test func originIsOwnConfiguredOrAbsent() {
        let own = ["http://127.0.0.1:8414", "http://localhost:8414"]
        #expect(HeaderRules.originAllowed(nil, own: own, allowed: []))
        #expect(HeaderRules.originAllowed("http://LOCALHOST:8414", own: own, allowed: []))
        #expect(!HeaderRules.originAllowed("https://evil.example", own: own, allowed: []))
        #expect(!HeaderRules.originAllowed("http://localhost:8415", own: own, allowed: []))
        #expect(HeaderRules.originAllowed("https://app.example", own: own, allowed: ["https://app.example"]))
        #expect(!HeaderRules.originAllowed("null", own: own, allowed: []))
    }

    @Test func acceptNamesAMediaTypeInAnyCase() {
        #expect(HeaderRules.accepts("application/json, text/event-stream", "text/event-stream"))
        #expect(HeaderRules.accepts("Text/Event-Stream;q=0.5", "text/event-stream"))
        #expect(HeaderRules.accepts("text/event-stream", "text/event-stream"))
        #expect(!HeaderRules.accepts("application/json", "text/event-stream"))
        #expect(!HeaderRules.accepts("text/event-strea", "text/event-stream"))
        #expect(!HeaderRules.accepts(nil, "text/event-stream"))
        #expect(!HeaderRules.accepts("", "text/event-stream"))
    }

    @Test func bearerTokenIsReadOnlyFromTheBearerScheme() {
        #expect(HeaderRules.bearer("Bearer wdn_abc") == "wdn_abc")
        #expect(HeaderRules.bearer("bearer   wdn_abc ") == "wdn_abc")
        #expect(HeaderRules.bearer("Basic dXNlcjpwdw==") == nil)
        #expect(HeaderRules.bearer("Bearer") == nil)
        #expect(HeaderRules.bearer("Bearer a b") == nil)
        #expect(HeaderRules.bearer(nil) == nil)
    }

    @Test func challengeNamesTheMetadataAndInvalidTokenOnlyWhenOneWasGiven() {
        let url = "http://127.0.0.1:1/.well-known/oauth-protected-resource/mcp/gh"
        #expect(HeaderRules.challenge(metadataURL: url, invalidToken: false) == "Bearer resource_metadata=\"\(url)\"")
        #expect(HeaderRules.challenge(metadataURL: url, invalidToken: true) == "Bearer resource_metadata=\"\(url)\", error=\"invalid_token\"")
    }

    @Test func onlyTokenFailuresAre401() {
        #expect(HeaderRules.isTokenFailure("unknown_credential"))
        #expect(HeaderRules.isTokenFailure("credential_revoked"))
        #expect(HeaderRules.isTokenFailure("credential_expired"))
        #expect(!HeaderRules.isTokenFailure("ancestor_revoked"))
        #expect(!HeaderRules.isTokenFailure("out_of_scope"))
    }

    @Test func resourceMetadataNamesAuthorizationServersOnlyWhenConfigured() {
        let plain = JSONWriter.write(HeaderRules.resourceMetadata(resource: "https://w.example/mcp/gh", upstream: "gh", authorizationServers: []), indent: false)
        #expect(plain.contains("\"resource\":\"https://w.example/mcp/gh\""))
        #expect(plain.contains("\"bearer_methods_supported\":[\"header\"]"))
        #expect(plain.contains("\"scopes_supported\":[\"gh/*\"]"))
        #expect(!plain.contains("authorization_servers"))
        let withAS = JSONWriter.write(HeaderRules.resourceMetadata(resource: "r", upstream: "gh", authorizationServers: ["https://as.example"]), indent: false)
        #expect(withAS.contains("\"authorization_servers\":[\"https://as.example\"]"))
    }

    @Test func plainHTTPOnlyOnLoopback() throws {
        #expect(try ListenAddress.parse("127.0.0.1:0").isLoopback)
        #expect(try ListenAddress.parse("localhost:80").isLoopback)
        #expect(try ListenAddress.parse("[::1]:8414").isLoopback)
        #expect(try !ListenAddress.parse("0.0.0.0:8414").isLoopback)
        #expect(try !ListenAddress.parse("[::]:8414").isLoopback)
        #expect(throws: ServeError.self) { try ListenAddress.parse("example.com:80") }
        #expect(throws: ServeError.self) { try ListenAddress.parse("127.0.0.1") }
        let open = ServeService.Options(listen: try ListenAddress.parse("0.0.0.0:8414"), tlsCertFile: nil, tlsKeyFile: nil, config: ServeSection())
        #expect(throws: ServeError.self) { try ServeService.check(open) }
        let half = ServeService.Options(listen: try ListenAddress.parse("127.0.0.1:8414"), tlsCertFile: "c.pem", tlsKeyFile: nil, config: ServeSection())
        #expect(throws: ServeError.self) { try ServeService.check(half) }
    }
}
