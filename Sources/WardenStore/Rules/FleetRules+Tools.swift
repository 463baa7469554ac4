import WardenCore

// Tool pinning's rules (issue 16), the same over every backend. Pins, decisions and policies
// are governed state: each change is written with its journal record in one transaction.
extension FleetRules {
    /// `ToolObservation.observeTools`. A list with nothing new is answered from one read and
    /// writes nothing: the proxy sees the same list on every session. When this connection saw
    /// the same list under the same governed state (`ToolListMemo`), that read is only the
    /// state's digest; the digest and the pins are read in one snapshot, so what is remembered
    /// is exactly what that state answers.
    package func observeTools(server: String, tools: [ObservedTool], observer: String,
                              at: Timestamp) throws(StoreError) -> [ToolPin] {
        try ToolRules.validateServer(server)
        let memo = backend.toolListMemo
        let unchanged = try backend.readTransaction { (tx: Backend.Transaction) throws(StoreError) -> [ToolPin]? in
            let digest = try tx.stateDigest()
            if let digest, let known = memo.pins(server: server, tools: tools, digest: digest) { return known }
            let pins = try ToolRules.pinsIfUnchanged(tx, server: server, tools: tools)
            if let digest, let pins { memo.remember(server: server, tools: tools, digest: digest, pins: pins) }
            return pins
        }
        if let unchanged { return unchanged }
        return try backend.writeTransaction { (tx: Backend.Transaction) throws(StoreError) -> [ToolPin] in
            try ToolRules.observe(tx, server: server, tools: tools, Mutation(operatorName: observer, now: at))
        }
    }

    package func approveTool(server: String, tool: String, hash: String?, _ m: Mutation) throws(StoreError) -> ToolPin {
        try decide(server: server, tool: tool, hash: hash, verdict: .approved, m)
    }

    package func rejectTool(server: String, tool: String, hash: String?, _ m: Mutation) throws(StoreError) -> ToolPin {
        guard let reason = m.reason, reason.contains(where: { !$0.isWhitespace }) else {
            throw .invalid("rejecting a tool needs a reason (--reason)")
        }
        return try decide(server: server, tool: tool, hash: hash, verdict: .rejected, m)
    }

    private func decide(server: String, tool: String, hash: String?, verdict: ToolDecision.Verdict,
                        _ m: Mutation) throws(StoreError) -> ToolPin {
        try ToolRules.validateServer(server)
        try ToolRules.validateTool(tool)
        if let hash, !ToolHash.isHash(hash) { throw .invalid("--hash: '\(hash)' is not a SHA-256 (64 lowercase hex digits)") }
        return try backend.writeTransaction { (tx: Backend.Transaction) throws(StoreError) -> ToolPin in
            guard var pin = try tx.toolPins(server: server).first(where: { $0.tool == tool }) else {
                throw .notFound("no tool '\(tool)' has been seen on server '\(server)' (`warden tools --server \(server)` lists them)")
            }
            let target = hash ?? pin.hash
            if target != pin.hash, try tx.toolDefinition(hash: target) == nil {
                throw .notFound("no definition of \(pin.name) with hash \(target) has been seen")
            }
            if pin.decisions.contains(where: { $0.hash == target && $0.verdict == verdict }) {
                throw .refused("\(pin.name) definition \(target.prefix(12)) is already \(verdict.rawValue)")
            }
            let before = pin.status
            let decision = ToolDecision(hash: target, verdict: verdict, at: m.now, by: m.operatorName, reason: m.reason)
            try tx.writeToolDecision(server: server, tool: tool, decision)
            pin.decisions.removeAll { $0.hash == target }
            pin.decisions.append(decision)
            try tx.journal(m, action: verdict == .approved ? "tool.approve" : "tool.reject", target: pin.name,
                           before: AuditPayload.json(["status": .string(before.rawValue), "hash": .string(pin.hash)]),
                           after: AuditPayload.json(["status": .string(pin.status.rawValue), "hash": .string(target)]))
            return pin
        }
    }

    package func pinTools(server: String, tools: [ObservedTool], _ m: Mutation) throws(StoreError) -> Int {
        try ToolRules.validateServer(server)
        if tools.isEmpty { throw .invalid("the manifest lists no tools for server '\(server)'") }
        return try backend.writeTransaction { (tx: Backend.Transaction) throws(StoreError) -> Int in
            var added: [JSONValue] = []
            for t in tools {
                let existing = try tx.toolDecisions(server: server, tool: t.name)
                if existing.contains(where: { $0.hash == t.hash && $0.verdict == .approved }) { continue }
                try tx.insertToolDefinition(hash: t.hash, canonical: t.canonical, at: m.now)
                try tx.writeToolDecision(server: server, tool: t.name,
                                         ToolDecision(hash: t.hash, verdict: .approved, at: m.now, by: m.operatorName, reason: m.reason))
                added.append(.object([("tool", .string(t.name)), ("hash", .string(t.hash))]))
            }
            if !added.isEmpty {
                try tx.journal(m, action: "tools.pin", target: server, before: nil,
                               after: AuditPayload.json(["approved": .array(added)]))
            }
            return added.count
        }
    }

    package func setToolPolicy(_ policy: ToolPolicy, server: String?, _ m: Mutation) throws(StoreError) {
        try backend.writeTransaction { (tx: Backend.Transaction) throws(StoreError) in
            if let server {
                try ToolRules.validateServer(server)
                var row = try tx.toolServer(server) ?? ToolServer(name: server, policy: nil, firstSeenAt: nil)
                let before = row.policy
                if before == policy { throw .refused("server '\(server)' already has policy \(policy.rawValue)") }
                row.policy = policy
                try tx.writeToolServer(row)
                try tx.journal(m, action: "tools.policy", target: server,
                               before: AuditPayload.json(["policy": before.map { .string($0.rawValue) } ?? .null]),
                               after: AuditPayload.json(["policy": .string(policy.rawValue)]))
            } else {
                var p = try tx.toolPolicies()
                if p.defaultPolicy == policy { throw .refused("the default policy is already \(policy.rawValue)") }
                let before = p.defaultPolicy
                p.defaultPolicy = policy
                try tx.writeToolPolicies(p)
                try tx.journal(m, action: "tools.policy", target: "store",
                               before: AuditPayload.json(["policy": .string(before.rawValue)]),
                               after: AuditPayload.json(["policy": .string(policy.rawValue)]))
            }
        }
    }

    package func setUnknownServers(_ policy: UnknownServerPolicy, _ m: Mutation) throws(StoreError) {
        try backend.writeTransaction { (tx: Backend.Transaction) throws(StoreError) in
            var p = try tx.toolPolicies()
            if p.unknownServers == policy { throw .refused("unknown servers are already \(policy.rawValue == "allow" ? "allowed" : "denied")") }
            let before = p.unknownServers
            p.unknownServers = policy
            try tx.writeToolPolicies(p)
            try tx.journal(m, action: "tools.unknown_servers", target: "store",
                           before: AuditPayload.json(["unknown_servers": .string(before.rawValue)]),
                           after: AuditPayload.json(["unknown_servers": .string(policy.rawValue)]))
        }
    }

    package func toolServers() throws(StoreError) -> [ToolServer] {
        try backend.readTransaction { (tx: Backend.Transaction) throws(StoreError) -> [ToolServer] in try tx.toolServers() }
    }

    package func toolPolicies() throws(StoreError) -> ToolPolicies {
        try backend.readTransaction { (tx: Backend.Transaction) throws(StoreError) -> ToolPolicies in try tx.toolPolicies() }
    }

    package func toolPins(server: String?) throws(StoreError) -> [ToolPin] {
        try backend.readTransaction { (tx: Backend.Transaction) throws(StoreError) -> [ToolPin] in try tx.toolPins(server: server) }
    }

    package func toolDefinition(hash: String) throws(StoreError) -> String? {
        try backend.readTransaction { (tx: Backend.Transaction) throws(StoreError) -> String? in try tx.toolDefinition(hash: hash) }
    }
}

/// The rules of pinning that run inside a transaction.
package enum ToolRules {
    /// Who the journal names for what a policy approved, and for the upgrade's approvals.
    package static let policyOperator = "warden"

    package static func validateServer(_ server: String) throws(StoreError) {
        if server.isEmpty || server.utf8.count > 256 || server.unicodeScalars.contains(where: { $0 == "/" || $0 == "*" || $0.value < 0x21 || $0.value == 0x7F }) {
            throw .invalid("'\(server)' is not a server name (1 to 256 characters, no '/', '*', spaces or control characters)")
        }
    }

    static func validateTool(_ tool: String) throws(StoreError) {
        if !Authorization.isValidToolName(tool) { throw .invalid("'\(tool)' is not a tool name (1 to 128 characters of A-Z a-z 0-9 _ . -)") }
    }

    /// The pins of the listed tools when the list changes nothing: a known server, every tool
    /// pinned with this hash and listed, no other tool of it still listed, no by-name approval
    /// waiting. Nil when something would be written.
    static func pinsIfUnchanged<Tx: RuleTransaction>(_ tx: Tx, server: String, tools: [ObservedTool]) throws(StoreError) -> [ToolPin]? {
        guard try tx.toolServer(server)?.isKnown == true else { return nil }
        let pins = try tx.toolPins(server: server)
        var byName: [String: ToolPin] = [:]
        for p in pins { byName[p.tool] = p }
        var out: [ToolPin] = []
        out.reserveCapacity(tools.count)
        var listed = Set<String>()
        for t in tools where listed.insert(t.name).inserted {
            guard let p = byName[t.name], p.hash == t.hash, p.goneAt == nil,
                  !p.decisions.contains(where: { $0.hash == nil }) else { return nil }
            out.append(p)
        }
        if pins.contains(where: { $0.goneAt == nil && !listed.contains($0.tool) }) { return nil }
        return out
    }

    /// Applies one listing: new tools, new definitions, tools back or gone, first sight of the
    /// server (and its `trust` policy), the upgrade's by-name approvals; one journal record.
    static func observe<Tx: RuleTransaction>(_ tx: Tx, server: String, tools: [ObservedTool], _ m: Mutation) throws(StoreError) -> [ToolPin] {
        let at = m.now
        let serverRow = try tx.toolServer(server) ?? ToolServer(name: server, policy: nil, firstSeenAt: nil)
        let firstSight = !serverRow.isKnown
        let defaultPolicy = try tx.toolPolicies().defaultPolicy
        let trust = (serverRow.policy ?? defaultPolicy) == .trust
        if firstSight { try tx.recordFirstSight(server: server, at: at) }
        var byName: [String: ToolPin] = [:]
        for p in try tx.toolPins(server: server) { byName[p.tool] = p }
        var added: [JSONValue] = [], changed: [JSONValue] = [], returned: [JSONValue] = [], gone: [JSONValue] = []
        var approved: [JSONValue] = []
        var out: [ToolPin] = []
        var listed = Set<String>()
        for t in tools where listed.insert(t.name).inserted {
            var pin: ToolPin
            if let existing = byName[t.name] {
                pin = existing
                if pin.hash != t.hash {
                    changed.append(.object([("tool", .string(t.name)), ("from", .string(pin.hash)), ("to", .string(t.hash))]))
                    pin.hash = t.hash
                    pin.changedAt = at
                    pin.goneAt = nil
                    try tx.recordListedDefinition(hash: t.hash, canonical: t.canonical, at: at)
                    try tx.recordListedTool(pin)
                } else if pin.goneAt != nil {
                    returned.append(.string(t.name))
                    pin.goneAt = nil
                    try tx.recordListedTool(pin)
                }
            } else {
                let decisions = try tx.toolDecisions(server: server, tool: t.name)
                pin = ToolPin(server: server, tool: t.name, hash: t.hash, firstSeenAt: at, changedAt: at, goneAt: nil,
                              decisions: decisions)
                added.append(.object([("tool", .string(t.name)), ("hash", .string(t.hash))]))
                try tx.recordListedDefinition(hash: t.hash, canonical: t.canonical, at: at)
                try tx.recordListedTool(pin)
                // Trust on first use applies to the server's first list only: a tool that
                // appears later on a known server waits for review whatever the policy.
                if firstSight, trust, pin.status != .approved {
                    let d = ToolDecision(hash: t.hash, verdict: .approved, at: at, by: policyOperator,
                                         reason: "policy trust: approved at the server's first sight")
                    try tx.recordTrustApproval(server: server, tool: t.name, d)
                    pin.decisions.append(d)
                    approved.append(.object([("tool", .string(t.name)), ("hash", .string(t.hash)), ("by", .string("policy"))]))
                }
            }
            // The upgrade approved tools in use by name: the first definition seen is the one.
            if let byNameApproval = pin.decisions.first(where: { $0.hash == nil }) {
                pin.decisions.removeAll { $0.hash == nil }
                var pinned: ToolDecision?
                if !pin.decisions.contains(where: { $0.verdict == .approved }) {
                    let d = ToolDecision(hash: t.hash, verdict: .approved, at: at, by: byNameApproval.by,
                                         reason: "approved by name when the store was upgraded; pinned at first sight")
                    pinned = d
                    pin.decisions.append(d)
                    approved.append(.object([("tool", .string(t.name)), ("hash", .string(t.hash)), ("by", .string("upgrade"))]))
                }
                try tx.recordNamedApprovalPinned(server: server, tool: t.name, pinned)
            }
            out.append(pin)
        }
        for (name, var pin) in byName where pin.goneAt == nil && !listed.contains(name) {
            pin.goneAt = at
            try tx.recordListedTool(pin)
            gone.append(.string(name))
        }
        if !firstSight, added.isEmpty, changed.isEmpty, returned.isEmpty, gone.isEmpty, approved.isEmpty { return out }
        var members: [(String, JSONValue)] = []
        if firstSight { members.append(("first_sight", .bool(true))) }
        for (key, list) in [("new", added), ("changed", changed), ("returned", returned), ("gone", gone), ("approved", approved)]
        where !list.isEmpty {
            members.append((key, .array(list)))
        }
        try tx.journal(m, action: "tools.observe", target: server, before: nil,
                       after: JSONWriter.write(.object(members), indent: false))
        return out
    }

    /// The upgrade's one action: every tool an agent was allowed to use is approved by name
    /// (there is no definition to hash yet); at the server's next listing the definition then
    /// seen becomes the approved one. Journaled as `tools.upgrade` with the list; nothing when
    /// no tool was used.
    package static func approveUsedTools<Tx: RuleTransaction>(_ tx: Tx, _ m: Mutation) throws(StoreError) {
        let used = try tx.usedTools()
        if used.isEmpty { return }
        var list: [JSONValue] = []
        for (server, tool) in used {
            guard (try? validateServer(server)) != nil, Authorization.isValidToolName(tool) else { continue }
            try tx.writeToolDecision(server: server, tool: tool,
                                     ToolDecision(hash: nil, verdict: .approved, at: m.now, by: m.operatorName,
                                                  reason: "in use before tool pinning"))
            list.append(.string(server + "/" + tool))
        }
        if list.isEmpty { return }
        try tx.journal(m, action: "tools.upgrade", target: "store", before: nil,
                       after: AuditPayload.json(["approved_by_name": .array(list)]))
    }
}

/// The keys pin rows are stored under, the same on every backend (they are hashed into the
/// state digest): `server/tool` (neither name holds a '/') and `server/tool#hash`, `#*` for an
/// approval by name.
package enum ToolKeys {
    package static func pin(_ server: String, _ tool: String) -> String { server + "/" + tool }
    package static func decision(_ server: String, _ tool: String, _ hash: String?) -> String {
        pin(server, tool) + "#" + (hash ?? "*")
    }
}
