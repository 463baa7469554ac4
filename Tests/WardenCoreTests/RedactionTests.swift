import Foundation
import Testing
@testable import WardenCore

/// The fake, real-shaped secrets every recording path is tested with (Tests/Support/Redaction).
enum SecretCorpus {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Support/Redaction/secrets.tsv").path

    /// (secret, arguments as JSON text).
    static func entries() throws -> [(secret: String, args: String)] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
            if line.hasPrefix("#") { return nil }
            let parts = line.split(separator: "\t", maxSplits: 1)
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        }
    }
}

@Suite("Redaction")
struct RedactionTests {
    @Test func corpusIsLargeEnough() throws {
        #expect(try SecretCorpus.entries().count >= 30)
    }

    /// Structured (proxy, NDJSON objects, OTLP kvlists), as compact text (NDJSON/OTLP strings),
    /// and as text escaped inside another JSON string: no secret survives any of them.
    @Test func noCorpusSecretSurvives() throws {
        for (secret, args) in try SecretCorpus.entries() {
            let value = try JSONParser.parse(args)
            let structured = Redaction.summary(value, limit: 10_000)
            #expect(!structured.text.contains(secret), "\(structured.text)")
            #expect(structured.count >= 1 && structured.text.contains("[redacted:"))
            let text = Redaction.summary(text: args, limit: 10_000)
            #expect(!text.text.contains(secret), "\(text.text)")
            #expect(text.count >= 1)
            let escaped = Redaction.summary(text: JSONWriter.write(.string(args), indent: false), limit: 10_000)
            #expect(!escaped.text.contains(secret), "\(escaped.text)")
            // At the default length too, and recorded as a call.
            let call = ToolCall(at: 0, agentID: "a", server: "s", tool: "t", decision: .allow, args: args).forRecording()
            #expect(!(call.args ?? "").contains(secret), "\(call.args ?? "")")
        }
    }

    @Test func kindsAndShape() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
        #expect(Redaction.redact("x \(jwt) y").text == "x [redacted:jwt] y")
        #expect(Redaction.redact("Authorization: Bearer abcdefgh12345678").text == "Authorization: [redacted:authorization]")
        #expect(Redaction.redact("use Bearer abcdefgh12345678 here").text == "use [redacted:bearer] here")
        #expect(Redaction.redact(#"{"pwd":"x1","n":2}"#).text == #"{"pwd":"[redacted:password]","n":2}"#)
        #expect(Redaction.redact(#"{"password": 1234}"#).text == #"{"password": "[redacted:password]"}"#)
        #expect(Redaction.redact(#"{"cookie": {"sid": "abc"}, "ok": 1}"#).text == #"{"cookie": "[redacted:cookie]", "ok": 1}"#)
        #expect(Redaction.redact("AKIAIOSFODNN7EXAMPLE").text == "[redacted:aws_access_key]")
        #expect(Redaction.redact("mysql --password hunter2 --verbose --token -x").text
                == "mysql --password [redacted:password] --verbose --token -x")
        #expect(Redaction.redact("redis://:hunter22@cache:6379 and https://bob:pw1@x.example/a").text
                == "redis://:[redacted:url_password]@cache:6379 and https://bob:[redacted:url_password]@x.example/a")
        let v = JSONValue.object([("accessKeyId", .string("abc")), ("Session", .number("1")), ("token", .null)])
        #expect(Redaction.summary(v).text == #"{"accessKeyId":"[redacted:access_key]","Session":"[redacted:session]","token":null}"#)
    }

    @Test func idempotent() throws {
        for (_, args) in try SecretCorpus.entries() {
            let once = Redaction.redact(args)
            let twice = Redaction.redact(once.text)
            #expect(twice.text == once.text && twice.count == 0, "\(once.text) → \(twice.text)")
        }
    }

    /// Ordinary words and keys that describe a secret are kept as they are.
    @Test func noFalsePositives() {
        let plain = [
            #"{"max_tokens":1024,"input_tokens":5,"session_count":3,"token_type":"bearer","password_file":"/etc/pw"}"#,
            "task-list ask-me-anything desk-lamp-with-a-very-long-name-indeed sk-short",
            "Bearer of bad news", "the AKIA prefix alone", "AKIAIOSFODNN7EXAMPLEX is 21 chars",
            "eyJ not a jwt", "ghp_short", "xoxb-1", "heyJude.mp3.and.more", "keyboard=us", "monkey: banana",
            "https://session.example.com/path", "https://example.com:8443/a?b=c@d", "mailto:bob@example.com", "repo=acme/api issue=#1234 q=\"flaky test 7\"",
        ]
        for s in plain {
            let r = Redaction.redact(s)
            #expect(r.text == s && r.count == 0, "\(s) → \(r.text)")
        }
        #expect(Redaction.sensitiveKind(forKey: "session_count") == nil)
        #expect(Redaction.sensitiveKind(forKey: "max_tokens") == nil)
        for key in ["pwd", "passwd", "private_key", "ssh_key", "access_key_id", "AccessKeyID", "client_secret", "cookie",
                    "session", "sessionId", "Authorization", "api_key", "apikey", "X-Api-Key", "githubToken", "DB_PASSWORD"] {
            #expect(Redaction.sensitiveKind(forKey: key) != nil, "\(key)")
        }
    }

    /// A 10 MB value costs a bounded window, and a secret straddling the cut is never shown in part.
    @Test func longTextIsCutAfterRedaction() {
        let secret = "ghp_" + String(repeating: "A1", count: 30)
        let text = String(repeating: "a", count: 190) + " " + secret + String(repeating: "b", count: 10_000_000)
        let s = Redaction.summary(text: text).text
        #expect(s.count == ToolCall.maxArgsLength && s.hasSuffix("…") && !s.contains("ghp_"))
        let pem = "k: -----BEGIN PRIVATE KEY-----\n" + String(repeating: "QUJD", count: 5000)
        let cut = Redaction.summary(text: pem).text
        #expect(cut.hasPrefix("k: [redacted:private_key]") && !cut.contains("QUJD"), "\(cut)")
    }

    @Test func recordLimitsCapEveryText() {
        let huge = String(repeating: "x", count: 1 << 20)
        let c = ToolCall(at: 0, agentID: huge, instanceID: huge, credentialID: huge, server: huge, tool: huge,
                         decision: .deny, reason: huge, args: huge).forRecording()
        #expect(c.agentID.count == RecordLimits.agent && c.instanceID!.count == RecordLimits.instanceID)
        #expect(c.credentialID!.count == RecordLimits.credentialID && c.server.count == RecordLimits.server)
        #expect(c.tool.count == RecordLimits.tool && c.reason!.count == RecordLimits.reason && c.args!.count == RecordLimits.args)
        #expect(c.forRecording() == c)
    }

    /// The byte search for the caller's own token answers as `String.contains` does, and the
    /// cases it hands back (non-ASCII text, a secret with a line break) still answer so.
    @Test func secretSearchOnBytesAgreesWithContains() {
        let secret = "wdn_Kx9"
        let texts = ["", "wdn_Kx", "wdn_Kx9", "a wdn_Kx9 b", "wdn_Kxwdn_Kx9", "\r\nwdn_Kx9\r\n", "wdn_\u{212A}x9",
                     "é wdn_Kx9", "wdn_kx9", "xwdn_Kx9"]
        for t in texts {
            #expect(SummaryWriter.holds(t, secret) == t.contains(secret), "\(t.debugDescription)")
        }
        #expect(SummaryWriter.holds("wdn_\u{212A}x9", secret), "a Kelvin sign is a K to Character comparison: still found")
        #expect(SummaryWriter.holds("a\r\nb", "\r\n") == "a\r\nb".contains("\r\n"))
        let summary = Redaction.summary(.object([("q", .string("token wdn_Kx9 here"))]), alsoSecret: secret)
        #expect(!summary.text.contains(secret) && summary.count == 1, "\(summary)")
    }
}
