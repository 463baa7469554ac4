import Glibc
import WardenCore
import WardenStore

public enum IngestFormat: String, Sendable, CaseIterable {
    case ndjson, otlp
}

public struct IngestOptions: Sendable {
    public var format: IngestFormat
    /// Stop at the first bad line with nothing applied.
    public var strict: Bool
    /// Events per store transaction.
    public var batchSize: Int
    /// Pending events are written at least this often while input trickles in.
    public var batchIntervalMs: Int64
    /// Longer lines are refused without being held in memory.
    public var maxLineBytes: Int
    /// Who delegations and first sightings of unregistered agents are audited as.
    public var operatorName: String

    public init(format: IngestFormat = .ndjson, strict: Bool = false, batchSize: Int = 1000,
                batchIntervalMs: Int64 = 50, maxLineBytes: Int = 1 << 20, operatorName: String = "ingest") {
        self.format = format
        self.strict = strict
        self.batchSize = batchSize
        self.batchIntervalMs = batchIntervalMs
        self.maxLineBytes = maxLineBytes
        self.operatorName = operatorName
    }
}

/// What an ingest did, by line and by event.
public struct IngestStats: Equatable, Sendable {
    public var lines = 0
    /// Lines whose events were applied.
    public var ingested = 0
    /// Blank lines, lines with nothing to record (other spans), events already recorded.
    public var skipped = 0
    public var rejected = 0
    public var events = 0
    public var toolCalls = 0
    public var unregisteredAgents = 0
    /// OTLP only.
    public var spans = 0
    public var skippedSpans = 0
    public var bytes: Int64 = 0
    public init() {}

    public var summary: String {
        var s = "\(lines) line\(lines == 1 ? "" : "s"): \(ingested) ingested, \(skipped) skipped, \(rejected) rejected"
        s += "; \(events) event\(events == 1 ? "" : "s") (\(toolCalls) tool call\(toolCalls == 1 ? "" : "s"))"
        if spans > 0 { s += "; \(spans) spans, \(skippedSpans) skipped" }
        if unregisteredAgents > 0 {
            s += "; \(unregisteredAgents) unregistered agent\(unregisteredAgents == 1 ? "" : "s") recorded"
        }
        return s
    }
}

/// Lines in, batched store transactions out. Bad lines are reported as `NAME:LINE: reason`
/// through `report` and counted; the rest goes on (or, strict, nothing is applied).
public final class IngestPipeline {
    let store: FleetStore
    let options: IngestOptions
    public var sourceName: String
    let report: (String) -> Void
    let session: TelemetrySession
    let ndjson = NDJSONDecoder()
    let otlp = OTLPDecoder()
    public private(set) var stats = IngestStats()

    private var pending: [TelemetryEvent] = []
    /// Lines in `pending`, in order, with how many events each gave.
    private var pendingLines: [(line: Int, events: Int)] = []
    private var firstPendingAt: Int64 = 0
    /// Strict mode: the first bad line was seen; nothing will be applied.
    public private(set) var failed = false

    public init(store: FleetStore, options: IngestOptions, sourceName: String, report: @escaping (String) -> Void) {
        self.store = store
        self.options = options
        self.sourceName = sourceName
        self.report = report
        self.session = TelemetrySession(operatorName: options.operatorName)
        pending.reserveCapacity(options.batchSize)
    }

    func reject(_ line: Int, _ reason: String) {
        stats.rejected += 1
        report("\(sourceName):\(line): \(Sanitize.reason(reason))")
        if options.strict { failed = true }
    }

    /// One line of input (without its newline).
    public func line(_ bytes: UnsafeBufferPointer<UInt8>, number: Int) throws(StoreError) {
        if failed { return }
        stats.lines += 1
        if Self.isBlank(bytes) {
            stats.skipped += 1
            return
        }
        let before = pending.count
        do {
            switch options.format {
            case .ndjson:
                pending.append(try ndjson.decode(bytes, source: number))
            case .otlp:
                let doc = try otlp.decode(bytes, source: number)
                stats.spans += doc.spans
                stats.skippedSpans += doc.skippedSpans
                if doc.events.isEmpty {
                    stats.skipped += 1
                    return
                }
                pending.append(contentsOf: doc.events)
            }
        } catch {
            reject(number, error.description)
            return
        }
        if pendingLines.isEmpty { firstPendingAt = Monotonic.ms() }
        pendingLines.append((number, pending.count - before))
        if !options.strict && pending.count >= options.batchSize { try flush() }
    }

    /// A line over the length cap.
    public func tooLong(number: Int, bytes: Int) {
        if failed { return }
        stats.lines += 1
        reject(number, "line is \(bytes) bytes, longer than the \(options.maxLineBytes)-byte limit; refused")
    }

    /// Writes pending events if they have waited long enough (or `force`).
    public func flushIfDue(force: Bool = false) throws(StoreError) {
        if pending.isEmpty || options.strict { return }
        if force || Monotonic.ms() - firstPendingAt >= options.batchIntervalMs { try flush() }
    }

    /// Writes pending events in one transaction (strict: all of them, all or nothing).
    public func flush() throws(StoreError) {
        if pending.isEmpty || failed {
            pending.removeAll(keepingCapacity: true)
            pendingLines.removeAll(keepingCapacity: true)
            return
        }
        let outcome = try store.applyTelemetry(pending, session: session, atomically: options.strict)
        stats.unregisteredAgents += outcome.unregisteredAgents.count
        if outcome.rejected.isEmpty && outcome.skipped.isEmpty {
            // The common case: every event applied.
            stats.events += outcome.applied
            for e in pending { if case .toolCall = e.body { stats.toolCalls += 1 } }
            stats.ingested += pendingLines.count
        } else if options.strict {
            let (index, reason) = outcome.rejected[0]
            reject(pending[index].source, reason)
        } else {
            var rejectedLines: [Int: String] = [:]
            for (index, reason) in outcome.rejected where rejectedLines[pending[index].source] == nil {
                rejectedLines[pending[index].source] = reason
            }
            var skippedEvents = [Bool](repeating: false, count: pending.count)
            for i in outcome.skipped { skippedEvents[i] = true }
            var rejectedEvents = [Bool](repeating: false, count: pending.count)
            for (i, _) in outcome.rejected { rejectedEvents[i] = true }
            var k = 0
            for (line, count) in pendingLines {
                var applied = 0
                for j in k..<(k + count) where !skippedEvents[j] && !rejectedEvents[j] {
                    applied += 1
                    if case .toolCall = pending[j].body { stats.toolCalls += 1 }
                }
                stats.events += applied
                k += count
                if let reason = rejectedLines[line] {
                    reject(line, reason)
                } else if applied == 0 {
                    stats.skipped += 1
                } else {
                    stats.ingested += 1
                }
            }
        }
        pending.removeAll(keepingCapacity: true)
        pendingLines.removeAll(keepingCapacity: true)
    }

    /// At the end of input: writes what is left. Strict: applies everything now, or nothing.
    @discardableResult
    public func finish() throws(StoreError) -> IngestStats {
        try flush()
        return stats
    }

    func addBytes(_ n: Int64) { stats.bytes += n }

    static func isBlank(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        for c in b where !(c == 32 || c == 9 || c == 13) { return false }
        return true
    }

    /// Feeds a reader's items in.
    func feed(_ item: LineReader.Item) throws(StoreError) {
        switch item {
        case .line(let bytes, let n): try line(bytes, number: n)
        case .tooLong(let n, let bytes): tooLong(number: n, bytes: bytes)
        }
    }
}

/// Untrusted text on its way to a terminal: controls become visible escapes, length is bounded.
enum Sanitize {
    static func reason(_ s: String, limit: Int = 400) -> String {
        var out = ""
        var count = 0
        for scalar in s.unicodeScalars {
            if count >= limit { out += "…"; break }
            let v = scalar.value
            if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) {
                let h = String(v, radix: 16)
                out += "\\u{" + h + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return out
    }
}

/// Monotonic milliseconds (never jumps with the wall clock).
enum Monotonic {
    static func ms() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
