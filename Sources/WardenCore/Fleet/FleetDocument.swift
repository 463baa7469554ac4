/// A fleet document (`warden import`): principals, and agents nested under their delegators
/// with their instances and credentials. Decoded and validated before anything is applied;
/// every error names its JSON path.
public struct FleetDocument: Sendable {
    public struct PrincipalSpec: Sendable {
        public var path: String
        public var id: String
        public var kind: Principal.Kind
        public var name: String
        public var scopes: ScopeSet
    }

    public struct InstanceSpec: Sendable {
        public var path: String
        public var id: String
        public var host: String
        public var pid: Int64?
    }

    public struct CredentialSpec: Sendable {
        public var path: String
        public var id: String?
        /// nil: no expiry (a static key, allowed so it can be flagged).
        public var ttlMs: Int64?
        /// nil: the agent's grant.
        public var scopes: ScopeSet?
        public var instanceID: String?
        /// An existing key's value; only its SHA-256 is stored. nil: generate one.
        public var secret: String?
        /// When the key was issued (imported keys are often old); nil: now.
        public var issuedAt: Timestamp?
    }

    public struct AgentSpec: Sendable {
        public var path: String
        public var name: String
        /// A full SPIFFE ID to keep (documents that must stay stable); nil: generate.
        public var id: String?
        /// The delegating principal (top-level agents only).
        public var principalID: String?
        /// Index of the delegating agent in `agents` (nested agents only).
        public var parent: Int?
        public var scopes: ScopeSet
        /// nil: inherit the delegator's expiry.
        public var ttlMs: Int64?
        public var instances: [InstanceSpec]
        public var credentials: [CredentialSpec]
    }

    public var trustDomain: String?
    public var principals: [PrincipalSpec]
    /// Every agent, delegators before their delegates.
    public var agents: [AgentSpec]

    public struct Invalid: Error, Equatable, Sendable, CustomStringConvertible {
        public let path: String
        public let problem: String
        public init(_ path: String, _ problem: String) {
            self.path = path
            self.problem = problem
        }
        public var description: String { path.isEmpty ? problem : "\(path): \(problem)" }
    }

    /// Decodes and validates the document's text.
    public static func decode(_ text: String) throws(Invalid) -> FleetDocument {
        let root: JSONValue
        do { root = try JSONParser.parse(text) } catch { throw Invalid("", "not valid JSON: \(error)") }
        return try decode(root)
    }

    public static func decode(_ root: JSONValue) throws(Invalid) -> FleetDocument {
        var d = FleetDecoder()
        return try d.document(root)
    }
}

/// Walks the JSON with the path in hand, so every refusal can say where it is.
struct FleetDecoder {
    var seenPrincipals = Set<String>()
    var seenAgentIDs = Set<String>()
    var seenCredentialIDs = Set<String>()
    var seenInstanceIDs = Set<String>()

    mutating func document(_ root: JSONValue) throws(FleetDocument.Invalid) -> FleetDocument {
        let top = try object(root, "", allowed: ["trust_domain", "principals", "agents"])
        var trustDomain: String?
        if let td = top["trust_domain"] {
            let s = try string(td, "trust_domain")
            do { try Identity.validateTrustDomain(s) } catch { throw .init("trust_domain", error.description) }
            trustDomain = s
        }
        var principals: [FleetDocument.PrincipalSpec] = []
        for (i, p) in try array(top["principals"] ?? .array([]), "principals").enumerated() {
            principals.append(try principal(p, "principals[\(i)]"))
        }
        var agents: [FleetDocument.AgentSpec] = []
        // Iterative walk (a stack of pending subtrees), so nesting depth costs no call stack.
        var pending: [(JSONValue, String, Int?)] = []
        for (i, a) in try array(top["agents"] ?? .array([]), "agents").enumerated().reversed() {
            pending.append((a, "agents[\(i)]", nil))
        }
        while let (value, path, parent) = pending.popLast() {
            let (spec, delegates) = try agent(value, path, topLevel: parent == nil)
            var s = spec
            s.parent = parent
            agents.append(s)
            let me = agents.count - 1
            for (i, d) in delegates.enumerated().reversed() {
                pending.append((d, "\(path).delegates[\(i)]", me))
            }
        }
        return FleetDocument(trustDomain: trustDomain, principals: principals, agents: agents)
    }

    mutating func principal(_ v: JSONValue, _ path: String) throws(FleetDocument.Invalid) -> FleetDocument.PrincipalSpec {
        let o = try object(v, path, allowed: ["id", "kind", "name", "scopes"])
        let id = try string(try required(o, "id", path), "\(path).id")
        do { try Identity.validatePrincipalID(id) } catch { throw .init("\(path).id", error.description) }
        guard seenPrincipals.insert(id).inserted else { throw .init("\(path).id", "principal '\(id)' appears twice") }
        var kind = Principal.impliedKind(of: id)
        if let k = o["kind"] {
            let s = try string(k, "\(path).kind")
            guard let parsed = Principal.Kind(rawValue: s) else { throw .init("\(path).kind", "must be \"human\" or \"workload\"") }
            kind = parsed
        }
        guard let kind else { throw .init("\(path).kind", "required when the ID does not start with user: or workload:") }
        let name = try o["name"].map { (n) throws(FleetDocument.Invalid) in try string(n, "\(path).name") } ?? id
        let scopes = try o["scopes"].map { (s) throws(FleetDocument.Invalid) in try scopeSet(s, "\(path).scopes") } ?? .everything
        return .init(path: path, id: id, kind: kind, name: name, scopes: scopes)
    }

    mutating func agent(_ v: JSONValue, _ path: String, topLevel: Bool) throws(FleetDocument.Invalid) -> (FleetDocument.AgentSpec, [JSONValue]) {
        let keys = ["name", "id", "scopes", "ttl", "instances", "credentials", "delegates"] + (topLevel ? ["by"] : [])
        let o = try object(v, path, allowed: Set(keys))
        let name = try string(try required(o, "name", path), "\(path).name")
        do { try Identity.validateAgentName(name) } catch { throw .init("\(path).name", error.description) }
        var principalID: String?
        if topLevel {
            principalID = try string(try required(o, "by", path), "\(path).by")
        }
        var id: String?
        if let idv = o["id"] {
            let s = try string(idv, "\(path).id")
            guard s.hasPrefix("spiffe://"), Identity.agentName(fromID: s) == name else {
                throw .init("\(path).id", "must be a SPIFFE ID spiffe://DOMAIN/agent/\(name)/SUFFIX")
            }
            guard seenAgentIDs.insert(s).inserted else { throw .init("\(path).id", "agent ID '\(s)' appears twice") }
            id = s
        }
        let scopes = try scopeSet(try required(o, "scopes", path), "\(path).scopes")
        if scopes.isEmpty { throw .init("\(path).scopes", "an agent needs at least one scope") }
        let ttl = try o["ttl"].map { (t) throws(FleetDocument.Invalid) in try duration(t, "\(path).ttl") }
        var instances: [FleetDocument.InstanceSpec] = []
        for (i, iv) in try array(o["instances"] ?? .array([]), "\(path).instances").enumerated() {
            instances.append(try instance(iv, "\(path).instances[\(i)]"))
        }
        var credentials: [FleetDocument.CredentialSpec] = []
        for (i, cv) in try array(o["credentials"] ?? .array([]), "\(path).credentials").enumerated() {
            let c = try credential(cv, "\(path).credentials[\(i)]")
            if let inst = c.instanceID, !instances.contains(where: { $0.id == inst }) {
                throw .init("\(c.path).instance", "'\(inst)' is not one of this agent's instances")
            }
            credentials.append(c)
        }
        let delegates = try array(o["delegates"] ?? .array([]), "\(path).delegates")
        let spec = FleetDocument.AgentSpec(path: path, name: name, id: id, principalID: principalID, parent: nil,
                                           scopes: scopes, ttlMs: ttl, instances: instances, credentials: credentials)
        return (spec, delegates)
    }

    mutating func instance(_ v: JSONValue, _ path: String) throws(FleetDocument.Invalid) -> FleetDocument.InstanceSpec {
        let o = try object(v, path, allowed: ["id", "host", "pid"])
        let id = try string(try required(o, "id", path), "\(path).id")
        if id.isEmpty { throw .init("\(path).id", "must not be empty") }
        guard seenInstanceIDs.insert(id).inserted else { throw .init("\(path).id", "instance '\(id)' appears twice") }
        let host = try o["host"].map { (h) throws(FleetDocument.Invalid) in try string(h, "\(path).host") } ?? "unknown"
        var pid: Int64?
        if let p = o["pid"] {
            guard let n = p.int64, n > 0 else { throw .init("\(path).pid", "must be a positive whole number") }
            pid = n
        }
        return .init(path: path, id: id, host: host, pid: pid)
    }

    mutating func credential(_ v: JSONValue, _ path: String) throws(FleetDocument.Invalid) -> FleetDocument.CredentialSpec {
        let o = try object(v, path, allowed: ["id", "ttl", "scopes", "instance", "secret", "issued"])
        var id: String?
        if let iv = o["id"] {
            let s = try string(iv, "\(path).id")
            guard s.hasPrefix(Credential.idPrefix), s.utf8.count > 4, s.utf8.count <= 64,
                  s.utf8.allSatisfy({ Identity.isSegmentByte($0) }) else {
                throw .init("\(path).id", "must look like tok_ followed by letters, digits, '_' or '-'")
            }
            guard seenCredentialIDs.insert(s).inserted else { throw .init("\(path).id", "credential '\(s)' appears twice") }
            id = s
        }
        var ttl: Int64?
        if let t = o["ttl"], !t.isNull { ttl = try duration(t, "\(path).ttl") }
        let scopes = try o["scopes"].map { (s) throws(FleetDocument.Invalid) in try scopeSet(s, "\(path).scopes") }
        let instance = try o["instance"].map { (i) throws(FleetDocument.Invalid) in try string(i, "\(path).instance") }
        var secret: String?
        if let s = o["secret"] {
            let text = try string(s, "\(path).secret")
            if text.utf8.count < 16 { throw .init("\(path).secret", "is too short to be a real key (16 characters at least)") }
            secret = text
        }
        var issued: Timestamp?
        if let iv = o["issued"] {
            let text = try string(iv, "\(path).issued")
            guard let t = UTC.parseRFC3339(text) else { throw .init("\(path).issued", "must be an RFC 3339 time like 2026-01-31T09:00:00Z") }
            issued = t
        }
        return .init(path: path, id: id, ttlMs: ttl, scopes: scopes, instanceID: instance, secret: secret, issuedAt: issued)
    }

    // MARK: typed accessors that name the path

    func object(_ v: JSONValue, _ path: String, allowed: Set<String>) throws(FleetDocument.Invalid) -> JSONValue {
        guard let members = v.object else { throw .init(path.isEmpty ? "(document)" : path, "expected an object, found \(v.typeName)") }
        for (k, _) in members where !allowed.contains(k) {
            throw .init(path.isEmpty ? k : "\(path).\(k)", "unknown field (expected one of: \(allowed.sorted().joined(separator: ", ")))")
        }
        return v
    }

    func required(_ o: JSONValue, _ key: String, _ path: String) throws(FleetDocument.Invalid) -> JSONValue {
        guard let v = o[key] else { throw .init(path.isEmpty ? key : "\(path).\(key)", "is required") }
        return v
    }

    func string(_ v: JSONValue, _ path: String) throws(FleetDocument.Invalid) -> String {
        guard let s = v.string else { throw .init(path, "expected a string, found \(v.typeName)") }
        return s
    }

    func array(_ v: JSONValue, _ path: String) throws(FleetDocument.Invalid) -> [JSONValue] {
        guard let a = v.array else { throw .init(path, "expected an array, found \(v.typeName)") }
        return a
    }

    func scopeSet(_ v: JSONValue, _ path: String) throws(FleetDocument.Invalid) -> ScopeSet {
        var scopes: [Scope] = []
        for (i, item) in try array(v, path).enumerated() {
            let text = try string(item, "\(path)[\(i)]")
            do { scopes.append(try Scope(parsing: text)) } catch { throw .init("\(path)[\(i)]", error.description) }
        }
        return ScopeSet(scopes)
    }

    func duration(_ v: JSONValue, _ path: String) throws(FleetDocument.Invalid) -> Int64 {
        let text = try string(v, path)
        do { return try DurationText.parse(text) } catch { throw .init(path, error.description) }
    }
}
