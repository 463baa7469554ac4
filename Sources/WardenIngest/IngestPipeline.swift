import Glibc
import WardenCore
import WardenStore
import WardenSystem

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
    /// The host's clock: delegations dated more than `IssueTime.maxSkewMs` ahead are refused.
    public var clock: @Sendable () -> Timestamp = WallClock.now

    public init(format: IngestFormat = .ndjson, strict: Bool = false, batchSize: Int = 2000,
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

    /// The summary for `--json`: stable field names.
    public var json: JSONValue {
        .object([
            ("lines", .int(lines)), ("ingested", .int(ingested)), ("skipped", .int(skipped)), ("rejected", .int(rejected)),
            ("events", .int(events)), ("tool_calls", .int(toolCalls)), ("unregistered_agents", .int(unregisteredAgents)),
            ("spans", .int(spans)), ("skipped_spans", .int(skippedSpans)), ("bytes", .int(bytes)),
        ])
    }

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

/// Decoded lines waiting for one store transaction, with what decoding found along the way.
struct DecodedBatch: Sendable {
    var events: [TelemetryEvent] = []
    /// Events by line, in order: the line, how many events, and whether this is the line's
    /// first group (it is counted then; an OTLP line whose spans waited for an ancestor gives
    /// further groups later).
    var lines: [(line: Int, events: Int, first: Bool)] = []
    /// Lines refused while decoding.
    var errors: [(line: Int, reason: String)] = []
    /// Lines read (all of them), and those with nothing to record (blank, OTLP without tool or agent spans).
    var lineCount = 0
    var empty = 0
    var spans = 0
    var skippedSpans = 0
    /// Tool-call events among `events` (counted while decoding, off the writing thread).
    var toolCalls = 0
    /// When the first line went in (monotonic ms), for the 50 ms flush.
    var startedAt: Int64 = 0
    /// The number of the batch's last input line.
    var lastLine = 0

    var isEmpty: Bool { lineCount == 0 && events.isEmpty && empty == 0 }
}

/// The decoding half of the pipeline: lines in, batches out. Runs on the reading thread.
final class BatchDecoder {
    let options: IngestOptions
    let ndjson = NDJSONDecoder()
    let otlp = OTLPDecoder()
    var batch = DecodedBatch()
    /// Strict mode: a line was refused; nothing more is decoded.
    var failed = false

    init(options: IngestOptions) {
        self.options = options
        batch.events.reserveCapacity(options.batchSize)
        otlp.clock = MonotonicClock.millis
    }

    /// True when the batch is full (time to hand it over).
    var full: Bool { !options.strict && batch.events.count >= options.batchSize }

    func due(now: Int64) -> Bool {
        !options.strict && !batch.isEmpty && now - batch.startedAt >= options.batchIntervalMs
    }

    func take() -> DecodedBatch {
        let b = batch
        batch = DecodedBatch()
        batch.events.reserveCapacity(options.batchSize)
        return b
    }

    private func begin() {
        if batch.isEmpty { batch.startedAt = MonotonicClock.millis() }
        batch.lineCount += 1
    }

    func line(_ bytes: UnsafeBufferPointer<UInt8>, number: Int) {
        if failed { return }
        begin()
        batch.lastLine = number
        if IngestPipeline.isBlank(bytes) {
            batch.empty += 1
            return
        }
        let before = batch.events.count
        do {
            switch options.format {
            case .ndjson:
                let event = try ndjson.decode(bytes, source: number)
                if case .toolCall = event.body { batch.toolCalls += 1 }
                batch.events.append(event)
            case .otlp:
                absorb(try otlp.decode(bytes, source: number))
                return
            }
        } catch {
            batch.errors.append((number, error.description))
            if options.strict { failed = true }
            return
        }
        batch.lines.append((number, batch.events.count - before, true))
    }

    /// An OTLP document's events, grouped by the line each came from.
    func absorb(_ doc: OTLPDecoder.Document) {
        batch.spans += doc.spans
        batch.skippedSpans += doc.skippedSpans
        if doc.lineEmpty { batch.empty += 1 }
        batch.empty += doc.settledEmptyLines
        for e in doc.events { if case .toolCall = e.body { batch.toolCalls += 1 } }
        batch.events.append(contentsOf: doc.events)
        for g in doc.groups { batch.lines.append((g.source, g.count, g.first)) }
    }

    /// The end of the input: OTLP spans still waiting for an ancestor are decided on what is known.
    func endOfInput() { release(otlp.finish) }

    /// Following: OTLP spans that waited too long are decided on what is known.
    func releaseStale() { release(otlp.releaseStale) }

    private func release(_ decide: () -> OTLPDecoder.Document) {
        guard options.format == .otlp, !failed else { return }
        let doc = decide()
        if doc.events.isEmpty && doc.settledEmptyLines == 0 && doc.skippedSpans == 0 { return }
        if batch.isEmpty { batch.startedAt = MonotonicClock.millis() }
        absorb(doc)
    }

    func tooLong(number: Int, bytes: Int) {
        if failed { return }
        begin()
        batch.lastLine = number
        batch.errors.append((number, "line is \(bytes) bytes, longer than the \(options.maxLineBytes)-byte limit; refused"))
        if options.strict { failed = true }
    }

    func feed(_ item: NumberedLineReader.Item) {
        switch item {
        case .line(let bytes, let n): line(bytes, number: n)
        case .tooLong(let n, let bytes): tooLong(number: n, bytes: bytes)
        }
    }
}

/// Lines in, batched store transactions out. Bad lines are reported as `NAME:LINE: reason`
/// through `report`, in line order, and counted; the rest goes on (or, strict, nothing is applied).
public final class IngestPipeline {
    let store: any TelemetryIngest
    let options: IngestOptions
    public var sourceName: String
    let report: (String) -> Void
    let session: TelemetrySession
    let decoder: BatchDecoder
    public private(set) var stats = IngestStats()
    /// Strict mode: a bad line was seen; nothing was (or will be) applied.
    public private(set) var failed = false
    /// What is already committed, should a later transaction fail: how many transactions
    /// wrote, and the last input line they cover.
    public private(set) var committed = (transactions: 0, throughLine: 0)

    public init(store: any TelemetryIngest, options: IngestOptions, sourceName: String, report: @escaping (String) -> Void) {
        self.store = store
        self.options = options
        self.sourceName = sourceName
        self.report = report
        self.session = TelemetrySession(operatorName: options.operatorName, clock: options.clock)
        self.decoder = BatchDecoder(options: options)
    }

    /// One line of input (without its newline).
    public func line(_ bytes: UnsafeBufferPointer<UInt8>, number: Int) throws(StoreError) {
        decoder.line(bytes, number: number)
        if decoder.full { try flush() }
    }

    /// A line over the length cap.
    public func tooLong(number: Int, bytes: Int) {
        decoder.tooLong(number: number, bytes: bytes)
    }

    func feed(_ item: NumberedLineReader.Item) throws(StoreError) {
        decoder.feed(item)
        if decoder.full { try flush() }
    }

    /// Following a file: OTLP spans held past their time window are decided and go with the next write.
    public func releaseStaleSpans() {
        decoder.releaseStale()
    }

    /// Writes pending events if they have waited long enough (or `force`). Never in strict mode.
    public func flushIfDue(force: Bool = false) throws(StoreError) {
        if options.strict || decoder.batch.isEmpty { return }
        if force || decoder.due(now: MonotonicClock.millis()) { try flush() }
    }

    /// Writes what was decoded in one transaction (strict: everything, all or nothing).
    public func flush() throws(StoreError) {
        if decoder.batch.isEmpty { return }
        try apply(decoder.take())
    }

    /// At the end of input: writes what is left. Strict: applies everything now, or nothing.
    @discardableResult
    public func finish() throws(StoreError) -> IngestStats {
        decoder.endOfInput()
        try flush()
        return stats
    }

    func addBytes(_ n: Int64) { stats.bytes += n }

    /// The applying half: one transaction for a batch, then the accounting and the reports.
    func apply(_ batch: DecodedBatch) throws(StoreError) {
        stats.lines += batch.lineCount
        stats.skipped += batch.empty
        stats.spans += batch.spans
        stats.skippedSpans += batch.skippedSpans
        if failed { return }
        var refusals = batch.errors
        if options.strict, !refusals.isEmpty {
            // Nothing is applied: report the first bad line only.
            failed = true
            stats.rejected += 1
            report("\(sourceName):\(refusals[0].line): \(Sanitize.reason(refusals[0].reason))")
            return
        }
        let events = batch.events
        var outcome = TelemetryOutcome()
        if !events.isEmpty {
            outcome = try store.applyTelemetry(events, session: session, atomically: options.strict)
            committed.transactions += 1
        }
        committed.throughLine = max(committed.throughLine, batch.lastLine)
        stats.unregisteredAgents += outcome.unregisteredAgents.count
        if outcome.rejected.isEmpty && outcome.skipped.isEmpty {
            // The common case: every event applied.
            stats.events += outcome.applied
            stats.toolCalls += batch.toolCalls
            stats.ingested += batch.lines.reduce(0) { $0 + ($1.first ? 1 : 0) }
        } else if options.strict {
            failed = true
            let (index, reason) = outcome.rejected[0]
            stats.rejected += 1
            report("\(sourceName):\(events[index].source): \(Sanitize.reason(reason))")
            return
        } else {
            var skippedEvents = [Bool](repeating: false, count: events.count)
            for i in outcome.skipped { skippedEvents[i] = true }
            var rejectedEvents = [String?](repeating: nil, count: events.count)
            for (i, reason) in outcome.rejected { rejectedEvents[i] = reason }
            var k = 0
            for (line, count, first) in batch.lines {
                var applied = 0
                var reason: String?
                for j in k..<(k + count) {
                    if let r = rejectedEvents[j] {
                        if reason == nil { reason = r }
                    } else if !skippedEvents[j] {
                        applied += 1
                        if case .toolCall = events[j].body { stats.toolCalls += 1 }
                    }
                }
                stats.events += applied
                k += count
                if let reason {
                    refusals.append((line, reason))
                } else if !first {
                    continue  // the line was counted with its first events
                } else if applied == 0 {
                    stats.skipped += 1
                } else {
                    stats.ingested += 1
                }
            }
        }
        if !refusals.isEmpty {
            refusals.sort { $0.line < $1.line }
            for (line, reason) in refusals {
                stats.rejected += 1
                report("\(sourceName):\(line): \(Sanitize.reason(reason))")
            }
        }
    }

    static func isBlank(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        for c in b where !(c == 32 || c == 9 || c == 13) { return false }
        return true
    }
}

/// Untrusted text on its way to a terminal: controls become visible escapes, length is bounded.
enum Sanitize {
    /// A rejected line's reason quotes values from telemetry, which may be secrets: it passes the
    /// one redaction rule (cut to `limit`, a secret past the cut never shown in part), then has
    /// control and bidi characters escaped for the terminal.
    static func reason(_ s: String, limit: Int = 400) -> String {
        var out = ""
        for scalar in Redaction.summary(text: s, limit: limit).text.unicodeScalars {
            let v = scalar.value
            if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) {
                let h = String(v, radix: 16)
                out += "\\u{" + h + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
