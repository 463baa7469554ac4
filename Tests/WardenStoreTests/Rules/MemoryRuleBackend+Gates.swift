import WardenCore
@testable import WardenStore

// Gates' rows in memory, as SQLite and PostgreSQL keep them.
extension MemoryTransaction {
    private var gateRows: MemoryRuleBackend.Rows {
        get { backend.rows }
        nonmutating set { backend.rows = newValue }
    }

    func gate(_ name: String) throws(StoreError) -> Gate? { gateRows.gates.first { $0.name == name } }
    func gates() throws(StoreError) -> [Gate] { gateRows.gates.sorted { $0.name < $1.name } }

    func gateCredentials(gate: String?) throws(StoreError) -> [GateCredential] {
        gateRows.gateCredentials.map(\.credential).filter { gate == nil || $0.gate == gate }
    }

    func gateCredential(secretHash: [UInt8]) throws(StoreError) -> (credential: GateCredential, gateRevoked: Bool)? {
        guard let c = gateRows.gateCredentials.first(where: { $0.secretHash == secretHash })?.credential else { return nil }
        return (c, gateRows.gates.first { $0.name == c.gate }?.isRevoked ?? true)
    }

    func insert(_ gate: Gate) throws(StoreError) {
        if gateRows.gates.contains(where: { $0.name == gate.name }) { throw .refused("duplicate gate") }
        gateRows.gates.append(gate)
    }

    func insert(_ credential: GateCredential, secretHash: [UInt8]) throws(StoreError) {
        gateRows.gateCredentials.append((credential, secretHash))
    }

    func revokeGate(_ name: String, at: Timestamp, reason: String?) throws(StoreError) -> [String] {
        var revoked: [String] = []
        for i in gateRows.gateCredentials.indices where gateRows.gateCredentials[i].credential.gate == name
            && gateRows.gateCredentials[i].credential.revokedAt == nil {
            gateRows.gateCredentials[i].credential.revokedAt = at
            revoked.append(gateRows.gateCredentials[i].credential.id)
        }
        if let i = gateRows.gates.firstIndex(where: { $0.name == name }) {
            gateRows.gates[i].revokedAt = at
            gateRows.gates[i].revokeReason = reason
        }
        return revoked
    }

    func revokeGateCredential(_ id: String, at: Timestamp) throws(StoreError) {
        for i in gateRows.gateCredentials.indices where gateRows.gateCredentials[i].credential.id == id
            && gateRows.gateCredentials[i].credential.revokedAt == nil {
            gateRows.gateCredentials[i].credential.revokedAt = at
        }
    }
}
