import Testing
@testable import WardenCore

@Suite("Time, durations, JSON")
struct FormatTests {
    @Test func durations() throws {
        #expect(try DurationText.parse("90s") == 90_000)
        #expect(try DurationText.parse("15m") == 900_000)
        #expect(try DurationText.parse("8h") == 28_800_000)
        #expect(try DurationText.parse("7d") == 604_800_000)
        for bad in ["", "5", "m", "-5m", "0s", "1.5h", "5w", "１h"] {
            #expect(throws: DurationText.ParseError.self, "\(bad)") { try DurationText.parse(bad) }
        }
        #expect(DurationText.compact(252_000) == "4m12s")
        #expect(DurationText.compact(0) == "expired")
        #expect(DurationText.compact(3 * 3_600_000 + 5 * 60_000) == "3h05m")
    }

    @Test func rfc3339RoundTrips() {
        #expect(UTC.rfc3339(0) == "1970-01-01T00:00:00Z")
        #expect(UTC.rfc3339(1_795_941_715_000) == "2026-11-29T08:41:55Z")
        #expect(UTC.parseRFC3339("2026-11-29T08:41:55Z") == 1_795_941_715_000)
        #expect(UTC.parseRFC3339("2026-11-29T08:41:55.25Z") == 1_795_941_715_250)
        #expect(UTC.parseRFC3339("2026-11-29T09:41:55+01:00") == 1_795_941_715_000)
        #expect(UTC.parseRFC3339("2026-11-29 08:41:55") == nil)
        #expect(UTC.parseRFC3339("yesterday") == nil)
        var rng = SeededRandom(seed: 5)
        for _ in 0..<500 {
            let t = Int64.random(in: -2_000_000_000_000...4_000_000_000_000, using: &rng)
            #expect(UTC.parseRFC3339(UTC.rfc3339(t, millis: true)) == t)
        }
    }

    @Test func jsonParsesAndSaysWhere() throws {
        let v = try JSONParser.parse(#"{"a": [1, -2.5e3, "x\u00e9\n", true, null], "b": {"c": "\ud83d\ude00"}}"#)
        #expect(v["a"]?.array?.count == 5)
        #expect(v["a"]?.array?[0].int64 == 1)
        #expect(v["a"]?.array?[2].string == "xé\n")
        #expect(v["b"]?["c"]?.string == "😀")
        #expect(v["a"]?.array?[1].double == -2500)
        do {
            _ = try JSONParser.parse("{\n  \"a\": [1,\n  2,,]\n}")
            Issue.record("should fail")
        } catch {
            #expect(error.line == 3 && error.column == 5, "\(error)")
        }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(bytes: [0x22, 0xFF, 0x22]) }  // invalid UTF-8
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(String(repeating: "[", count: 10_000)) }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse("{} x") }
        let text = #"{"k":["v",1,{"z":null}]}"#
        #expect(JSONWriter.write(try JSONParser.parse(text), indent: false) == text)
        #expect(JSONWriter.quoted("a\u{1B}b") == #""a\u001bb""#)
    }

    /// The writer's exact bytes, compact and indented: audit records are hashed as written.
    @Test func jsonWriterLayoutAndEscapes() {
        let v = JSONValue.object([
            ("a", .array([.number("1"), .string("é\u{1}\u{7F}\u{85}\u{2028}\"\\\n\t\r😀")])),
            ("b", .object([])), ("c", .null), ("d", .bool(true)), ("e", .array([])),
            ("f", .object([("g", .strings(["x", "y"]))])),
        ])
        #expect(JSONWriter.write(v, indent: false) == #"{"a":[1,"é\u0001\u007f\u0085\u2028\"\\\n\t\r😀"],"b":{},"c":null,"d":true,"e":[],"f":{"g":["x","y"]}}"#)
        #expect(JSONWriter.write(v) == #"""
            {
              "a": [
                1,
                "é\u0001\u007f\u0085\u2028\"\\\n\t\r😀"
              ],
              "b": {},
              "c": null,
              "d": true,
              "e": [],
              "f": {
                "g": [
                  "x",
                  "y"
                ]
              }
            }
            """#)
        var s = "<"
        JSONWriter.quote("tab\there", &s)
        #expect(s == #"<"tab\there""#)
    }
}

/// Issue times from outside and times past year 9999 (issue 11 §5).
@Suite("issue times")
struct IssueTimeTests {
    @Test func futureIssueTimesBeyondTheSkewAreRefused() {
        let now: Timestamp = 1_800_000_000_000
        #expect(IssueTime.problem(now, now: now) == nil)
        #expect(IssueTime.problem(now - 86_400_000, now: now) == nil)
        #expect(IssueTime.problem(now + IssueTime.maxSkewMs, now: now) == nil)
        let ahead = IssueTime.problem(now + IssueTime.maxSkewMs + 1, now: now)
        #expect(ahead?.contains("in the future") == true)
    }

    @Test func timesPastYear9999PrintAsValidRFC3339() {
        let far: Timestamp = 4_102_444_800_000 * 100  // the year ~14970
        #expect(UTC.rfc3339(far) == "9999-12-31T23:59:59Z")
        #expect(UTC.rfc3339(.max, millis: true) == "9999-12-31T23:59:59.999Z")
        #expect(UTC.rfc3339(.min) == "0000-01-01T00:00:00Z")
        #expect(UTC.parseRFC3339(UTC.rfc3339(far)) == UTC.rfc3339Range.upperBound - 999)
        #expect(UTC.rfc3339(UTC.rfc3339Range.upperBound, millis: true) == "9999-12-31T23:59:59.999Z")
    }
}
