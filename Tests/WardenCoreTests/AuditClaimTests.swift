import Testing
import WardenCore

/// The claim beside the login (`claimedBy`) is hashed only when present: a record without one
/// encodes byte for byte as records always have, so existing chains keep verifying.
@Suite("journal claims")
struct AuditClaimTests {
    func record(digest: String?, claim: String?) -> AuditRecord {
        AuditRecord(seq: 7, at: 42, operatorName: "ci_runner_7", action: "agent.revoke", target: "t", before: nil,
                    after: "{}", reason: "r", prevHash: "p", hash: "", stateDigest: digest, claimedBy: claim)
    }

    @Test func aRecordWithoutAClaimEncodesAsBefore() {
        #expect(String(decoding: record(digest: nil, claim: nil).canonicalEncoding, as: UTF8.self)
                == "1:72:4211:ci_runner_712:agent.revoke1:t-1:2:{}1:r")
        #expect(String(decoding: record(digest: "d1", claim: nil).canonicalEncoding, as: UTF8.self)
                == "1:72:4211:ci_runner_712:agent.revoke1:t-1:2:{}1:r2:d1")
    }

    @Test func theClaimIsCoveredAndNeverMistakenForADigest() {
        let plain = record(digest: "d1", claim: nil).canonicalEncoding
        let claimed = record(digest: "d1", claim: "alice").canonicalEncoding
        #expect(claimed != plain && claimed != record(digest: "d1", claim: "bob").canonicalEncoding)
        // A claim without a digest writes the digest's slot as absent first.
        #expect(record(digest: nil, claim: "d1").canonicalEncoding != plain)
        #expect(String(decoding: record(digest: nil, claim: "alice").canonicalEncoding, as: UTF8.self).hasSuffix("1:r-1:5:alice"))
        #expect(record(digest: "d1", claim: "alice").claimedOperator == "alice")
        #expect(record(digest: "d1", claim: nil).claimedOperator == "ci_runner_7")
    }
}
