/// One operator action in the journal, chained to the previous record by hash.
public struct AuditRecord: Hashable, Sendable {
    public var seq: Int64
    public var at: Timestamp
    public var operatorName: String
    public var action: String
    public var target: String
    public var before: String?
    public var after: String?
    public var reason: String?
    public var prevHash: String
    public var hash: String
    /// The governed state's digest after this action (hex; `StateDigest`), on records written
    /// since the store had one.
    public var stateDigest: String?
    /// What the operator claimed to be (`--operator`) when the store knows who they are by
    /// other means and records that as `operatorName` (PostgreSQL: the login role). Nil when
    /// the claim is the operator name itself (SQLite), or equals it.
    public var claimedBy: String?

    public init(seq: Int64, at: Timestamp, operatorName: String, action: String, target: String,
                before: String?, after: String?, reason: String?, prevHash: String, hash: String,
                stateDigest: String? = nil, claimedBy: String? = nil) {
        self.stateDigest = stateDigest
        self.claimedBy = claimedBy
        self.seq = seq
        self.at = at
        self.operatorName = operatorName
        self.action = action
        self.target = target
        self.before = before
        self.after = after
        self.reason = reason
        self.prevHash = prevHash
        self.hash = hash
    }

    /// The bytes hashed after the previous hash: fields in a fixed order, each length-prefixed
    /// so no two different records encode alike.
    public var canonicalEncoding: [UInt8] {
        var out: [UInt8] = []
        func field(_ s: String?) {
            guard let s else { out.append(contentsOf: Array("-1:".utf8)); return }
            out.append(contentsOf: Array("\(s.utf8.count):".utf8))
            out.append(contentsOf: Array(s.utf8))
        }
        field(String(seq)); field(String(at)); field(operatorName); field(action); field(target)
        field(before); field(after); field(reason)
        // Older records end here, so their hashes still verify; a record with a digest chains it.
        if let stateDigest { field(stateDigest) }
        // A claim beside the login role comes after the digest slot (written as absent when
        // there is none), so records without a claim hash exactly as before.
        if let claimedBy {
            if stateDigest == nil { field(nil) }
            field(claimedBy)
        }
        return out
    }

    /// Who the operator said they were: the claim when one is recorded beside the login role,
    /// otherwise the operator name.
    public var claimedOperator: String { claimedBy ?? operatorName }

    /// The hash of the record before the first.
    public static let genesisHash = String(repeating: "0", count: 64)
}
