/// The journal's last record, as `warden audit head` prints it (`SEQ:HASH`): kept elsewhere, it
/// proves later that nothing was cut from the end.
public struct AuditHead: Equatable, Sendable, CustomStringConvertible {
    public let seq: Int64
    public let hash: String
    public init(seq: Int64, hash: String) {
        self.seq = seq
        self.hash = hash
    }
    /// Parses `SEQ:HASH` as `warden audit head` prints it.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let seq = Int64(parts[0]), seq >= 0, parts[1].count == 64,
              parts[1].allSatisfy(\.isHexDigit) else { return nil }
        self.init(seq: seq, hash: parts[1].lowercased())
    }
    public var description: String { "\(seq):\(hash)" }
}

/// The result of checking the journal's hash chain.
public enum AuditVerification: Equatable, Sendable {
    case intact(records: Int, head: AuditHead?)
    /// The first bad record and what is wrong with it.
    case broken(seq: Int64, problem: String)

    public var isIntact: Bool { if case .intact = self { return true } else { return false } }
}
