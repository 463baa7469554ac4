import WardenCore
import WardenStore

// Exporters write a span when it ends, so a child (the MCP client span, or an
// `execute_tool` span) comes before its parent (`execute_tool`, `invoke_agent`), and a
// collector's flush can put them in different documents. A span is therefore decided only
// once what it depends on has been seen: a tool span once its parent is known (a tool span
// under a tool span is the same call seen twice) and its nearest agent span is found (or the
// root is reached); an agent span once its nearest agent ancestor is found, so a delegation is
// recorded before the sub-agent's own events. Spans whose ancestors have not arrived are held,
// at most `maxHeldSpans` of them for at most `maxHeldDocuments` documents (and, following a
// file, `maxHeldMilliseconds`), and decided on what is known when they leave that window or at
// the end of the input (`finish`).
extension OTLPDecoder {
    struct Held {
        var span: Span
        var resource: Resource
        var source: Int
        /// The document counter when it was first seen, and the clock then.
        var since: Int
        var heldAt: Int64
        var role: Role
        var key: String { span.traceID + span.spanID }
    }

    func map(_ spans: [Span], _ resources: [Resource], source: Int) -> Document {
        documents += 1
        forgetIfFull()
        // Remember this line's spans first, so the order of spans within and across lines does not matter.
        for s in spans {
            let key = s.traceID + s.spanID
            parentOfSpan[key] = s.parentID.map { s.traceID + $0 } ?? ""
        }
        var fresh: [Held] = []
        let now = clock()
        for s in spans {
            let key = s.traceID + s.spanID
            let r = role(s)
            switch r {
            case .agent(let ref?): agentOfSpan[key] = ref
            case .tool: toolSpans.insert(key)
            default: break
            }
            fresh.append(Held(span: s, resource: resources[s.resource], source: source, since: documents, heldAt: now, role: r))
        }
        if pendingLines[source] == nil { pendingLines[source] = (0, false) }
        var doc = Document()
        doc.spans = spans.count
        // Beyond the window (in documents or in number), the oldest are decided on what is known.
        let candidates = held + fresh
        let overflow = max(0, candidates.count - Self.maxHeldSpans)
        held = []
        decide(candidates, &doc) { i, c in i < overflow || documents - c.since >= Self.maxHeldDocuments }
        settle(&doc, current: source)
        return doc
    }

    /// At the end of the input: every held span is decided on what is known.
    public func finish() -> Document { release { _ in true } }

    /// While following a file: spans held longer than `maxHeldMilliseconds` are decided on
    /// what is known (their ancestors may never be written).
    public func releaseStale() -> Document {
        let now = clock()
        return release { now - $0.heldAt >= Self.maxHeldMilliseconds }
    }

    private func release(_ due: (Held) -> Bool) -> Document {
        var doc = Document()
        if held.isEmpty { return doc }
        let candidates = held
        held = []
        decide(candidates, &doc) { _, c in due(c) }
        settle(&doc, current: nil)
        return doc
    }

    /// Decides what can be decided (agents before tools, parents before children), keeps the
    /// rest in `held`. `forced(i, c)`: decide candidate `i` now whatever is missing.
    private func decide(_ candidates: [Held], _ doc: inout Document, forced: (Int, Held) -> Bool) {
        var waitingAgents = Set(candidates.compactMap { c -> String? in if case .agent = c.role { return c.key }; return nil })
        var open = Array(candidates.indices)
        var lastSeen: [String: (agent: String, host: String, pid: Int64?, at: Timestamp, source: Int)] = [:]
        var seenDelegations = Set<String>()
        // Forcing waits until nothing else moves: a forced span still follows the agents decided
        // in the same round.
        var forceAllowed = false
        while !open.isEmpty {
            var progress = false
            for agentsPass in [true, false] {
                var still: [Int] = []
                for i in open {
                    let c = candidates[i]
                    let isAgent: Bool
                    if case .agent = c.role { isAgent = true } else { isAgent = false }
                    if isAgent != agentsPass { still.append(i); continue }
                    if emit(c, force: forceAllowed && forced(i, c), waitingAgents, &doc, &lastSeen, &seenDelegations) {
                        if isAgent { waitingAgents.remove(c.key) }
                        progress = true
                    } else {
                        still.append(i)
                    }
                }
                open = still
            }
            if progress { continue }
            // Nothing more can be decided: the forced ones now are; the rest wait.
            if !forceAllowed && open.contains(where: { forced($0, candidates[$0]) }) { forceAllowed = true; continue }
            break
        }
        held = open.map { candidates[$0] }
        // One heartbeat per instance per decision round, at the last moment it was seen.
        for (inst, seen) in lastSeen.sorted(by: { $0.key < $1.key }) {
            add(TelemetryEvent(at: seen.at, agent: seen.agent, source: seen.source,
                               body: .heartbeat(instanceID: inst, host: seen.host, pid: seen.pid)), &doc)
        }
    }

    /// Emits `c`'s events, or returns false when it must wait for an ancestor.
    private func emit(_ c: Held, force: Bool, _ waitingAgents: Set<String>, _ doc: inout Document,
                      _ lastSeen: inout [String: (agent: String, host: String, pid: Int64?, at: Timestamp, source: Int)],
                      _ seenDelegations: inout Set<String>) -> Bool {
        let s = c.span, res = c.resource
        if case .tool = c.role, let p = s.parentID, toolSpans.contains(s.traceID + p) {
            doc.skippedSpans += 1  // the same call, seen again one level down
            return true
        }
        let above = nearestAgent(s)
        if !force {
            if !above.complete { return false }
            if let k = above.key, waitingAgents.contains(k) { return false }
            if case .tool = c.role, let p = s.parentID, parentOfSpan[s.traceID + p] == nil { return false }
        }
        switch c.role {
        case .agent(let ref?):
            doc.agentSpans += 1
            if let parent = above.agent, parent != ref, seenDelegations.insert(parent + "\u{0}" + ref).inserted {
                add(TelemetryEvent(at: s.start, agent: parent, source: c.source, body: .observedDelegation(child: ref)), &doc)
            }
            if let inst = instanceID(agent: ref, res) {
                if lastSeen[inst] == nil {
                    add(TelemetryEvent(at: s.start, agent: ref, source: c.source,
                                       body: .instanceStarted(instanceID: inst, host: res.host ?? "unknown", pid: res.pid)), &doc)
                }
                note(&lastSeen, inst, ref, res, s.end, c.source)
            }
        case .tool:
            guard let agent = s.attributes["gen_ai.agent.id"]?.text ?? s.attributes["gen_ai.agent.name"]?.text
                    ?? above.agent ?? res.serviceName else {
                doc.skippedSpans += 1
                return true
            }
            doc.toolCalls += 1
            let inst = instanceID(agent: agent, res)
            add(TelemetryEvent(at: s.start, agent: agent, source: c.source, body: .toolCall(call(s, agent: agent, instance: inst))), &doc)
            if let inst { note(&lastSeen, inst, agent, res, s.end, c.source) }
        case .agent(nil), .other:
            doc.skippedSpans += 1  // an agent span that names no agent, or nothing Warden records
        }
        return true
    }

    /// The nearest agent span above `s` (its agent and key), and whether the walk reached it or
    /// the root (false: an ancestor has not been seen yet).
    private func nearestAgent(_ s: Span) -> (agent: String?, key: String?, complete: Bool) {
        var k = s.parentID.map { s.traceID + $0 }
        var steps = 0
        while let cur = k, !cur.isEmpty, steps < 256 {
            if let a = agentOfSpan[cur] { return (a, cur, true) }
            guard let next = parentOfSpan[cur] else { return (nil, nil, false) }
            k = next
            steps += 1
        }
        return (nil, nil, true)
    }

    /// Appends an event to the document, grouped by its line.
    private func add(_ e: TelemetryEvent, _ doc: inout Document) {
        doc.events.append(e)
        if let last = doc.groups.last, last.source == e.source {
            doc.groups[doc.groups.count - 1].count += 1
            return
        }
        let gave = pendingLines[e.source]?.gave ?? false
        pendingLines[e.source, default: (0, false)].gave = true
        doc.groups.append((e.source, 1, !gave))
    }

    /// Line accounting after a round: a line with nothing held any more leaves `pendingLines`;
    /// if it never gave an event, it had nothing to record.
    private func settle(_ doc: inout Document, current: Int?) {
        var waiting: [Int: Int] = [:]
        for h in held { waiting[h.source, default: 0] += 1 }
        for (line, state) in pendingLines {
            let n = waiting[line] ?? 0
            if line == current { doc.heldSpans = n }
            if n > 0 {
                pendingLines[line] = (n, state.gave)
                continue
            }
            pendingLines[line] = nil
            if state.gave { continue }
            if line == current { doc.lineEmpty = true } else { doc.settledEmptyLines += 1 }
        }
    }

    func note(_ lastSeen: inout [String: (agent: String, host: String, pid: Int64?, at: Timestamp, source: Int)],
              _ inst: String, _ agent: String, _ res: Resource, _ at: Timestamp, _ source: Int) {
        let prev = lastSeen[inst]?.at ?? at
        lastSeen[inst] = (agent, res.host ?? "unknown", res.pid, max(prev, at), source)
    }

    func forgetIfFull() {
        if parentOfSpan.count > Self.memory || agentOfSpan.count > Self.memory || toolSpans.count > Self.memory {
            parentOfSpan.removeAll(keepingCapacity: true)
            agentOfSpan.removeAll(keepingCapacity: true)
            toolSpans.removeAll(keepingCapacity: true)
        }
    }
}
