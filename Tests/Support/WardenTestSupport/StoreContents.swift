import WardenCore
import WardenStore

/// Everything a store holds that its calls can read, as one value: to show that something
/// changed nothing, through the store rather than behind it.
public struct StoreContents: Equatable {
    public let principals: Set<Principal>
    public let agents: [Agent]
    public let credentials: Set<Credential>
    public let instances: Set<Instance>
    public let calls: [ToolCall]
    public let minutes: [CallMinute]
    public let journal: [AuditRecord]

    public init(_ s: any FleetStore) throws {
        principals = Set(try s.principals())
        agents = try s.agents()
        credentials = Set(try s.credentials(agentID: nil))
        instances = Set(try s.instances(agentID: nil))
        calls = try s.calls(CallQuery(limit: Int.max))
        minutes = try s.callMinutes(since: 0)
        journal = try s.auditRecords(afterSeq: 0, limit: Int.max)
    }
}
