/// What an ID typed by an operator names.
public enum EntityRef: Equatable, Sendable {
    case principal(String)
    case agent(String)
    case credential(String)

    public var id: String {
        switch self {
        case .principal(let id), .agent(let id), .credential(let id): return id
        }
    }

    public var revocationTarget: RevocationPlan.Target {
        switch self {
        case .principal(let id): return .principal(id)
        case .agent(let id): return .agent(id)
        case .credential(let id): return .credential(id)
        }
    }
}
