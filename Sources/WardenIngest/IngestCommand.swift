import Glibc
import Synchronization
import WardenCore
import WardenStore
import WardenSystem

/// `warden ingest [FILE|-] [--format ndjson|otlp] [--follow] [--strict]`: the whole command
/// behind one call, so the CLI only parses flags and opens the store.
public enum IngestCommand {
    /// Set by SIGINT/SIGTERM while following: stop, write what is pending, print the summary.
    static let interrupted = Atomic<Bool>(false)

    /// Runs an ingest and returns the exit code: 0 when every line was taken, 2 when any line
    /// was rejected or the store or input failed, 1 for a usage error.
    /// - Parameters:
    ///   - input: a file path; nil or `-` reads standard input.
    ///   - json: the summary as one JSON object (`IngestStats.json`) instead of a line of text.
    ///   - stdout: receives the summary.
    ///   - stderr: receives `FILE:LINE: reason` for each rejected line, notes and the progress bar.
    ///   - progress: force the progress bar on or off (default: on when stderr is a terminal and
    ///     the input a regular file, not followed).
    ///   - pollIntervalMs: how often `--follow` looks for new data, rotation and truncation.
    public static func run(store: any TelemetryIngest, input: String?, format: IngestFormat = .ndjson,
                           follow: Bool = false, strict: Bool = false, operatorName: String = "ingest",
                           json: Bool = false, stdout: (String) -> Void, stderr: @escaping (String) -> Void,
                           progress: Bool? = nil, pollIntervalMs: Int = 200) -> Int32 {
        if strict && follow {
            stderr("warden ingest: --strict and --follow cannot be combined (strict applies a whole file or nothing)\n")
            return 1
        }
        let useStdin = input == nil || input == "-"
        let name = useStdin ? "<stdin>" : input!
        let options = IngestOptions(format: format, strict: strict, operatorName: operatorName)
        let pipeline = IngestPipeline(store: store, options: options, sourceName: name) { stderr($0 + "\n") }
        do {
            if follow && !useStdin {
                try runFollow(path: input!, pipeline: pipeline, stderr: stderr, pollIntervalMs: pollIntervalMs)
            } else {
                let fd: Int32 = useStdin ? 0 : open(input!, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else {
                    stderr("warden ingest: cannot open \(name): \(String(cString: strerror(errno)))\n")
                    return 2
                }
                defer { if !useStdin { close(fd) } }
                var st = stat()
                fstat(fd, &st)
                let regular = (st.st_mode & S_IFMT) == S_IFREG
                let showBar = progress ?? (isatty(2) == 1 && regular)
                let bar = showBar && regular ? ProgressBar(total: Int64(st.st_size), write: stderr) : nil
                let ok = try readAll(fd: fd, pipeline: pipeline, bar: bar)
                bar?.clear()
                if !ok {
                    stderr("warden ingest: cannot read \(name): \(String(cString: strerror(errno)))\n")
                    _ = try? pipeline.finish()
                    stdout(summary(pipeline.stats, json: json))
                    return 2
                }
            }
            try pipeline.finish()
        } catch {
            stderr("warden ingest: \(failure(error, pipeline, source: name))\n")
            stdout(summary(pipeline.stats, json: json))
            return 2
        }
        if pipeline.failed {
            stderr("warden ingest: --strict: stopped at the first bad line; nothing was applied\n")
        }
        stdout(summary(pipeline.stats, json: json))
        return pipeline.stats.rejected > 0 ? 2 : 0
    }

    /// A store failure, saying exactly what earlier transactions wrote and kept: the store's
    /// own message speaks of the one transaction that failed.
    static func failure(_ error: StoreError, _ pipeline: IngestPipeline, source: String) -> String {
        let text = error.description
        let kept = pipeline.committed
        guard kept.transactions > 0 else { return text }
        let failed = "nothing from this operation was written"
        let head = text.contains(failed) ? text.replacing(failed, with: "the batch being written was not written") : text
        let events = pipeline.stats.events
        return head + "; lines 1–\(kept.throughLine) of \(source) were written before it and are kept "
            + "(\(events) event\(events == 1 ? "" : "s") in \(kept.transactions) transaction\(kept.transactions == 1 ? "" : "s")); nothing after line \(kept.throughLine) was written"
    }

    static func summary(_ stats: IngestStats, json: Bool) -> String {
        (json ? JSONWriter.write(stats.json) : stats.summary) + "\n"
    }

    /// Stops a running `--follow` (as SIGINT does): pending events are written, the summary printed.
    public static func requestStop() { interrupted.store(true, ordering: .relaxed) }

    /// Reads a descriptor to its end through the pipeline. False on a read error. Decoding runs
    /// on a second thread, a batch or two ahead of the store transactions (strict: one thread).
    static func readAll(fd: Int32, pipeline: IngestPipeline, bar: ProgressBar?) throws(StoreError) -> Bool {
        if pipeline.options.strict { return try readAllSerially(fd: fd, pipeline: pipeline, bar: bar) }
        // A whole input at full speed: the backend's housekeeping (SQLite: WAL checkpoints) runs
        // beside the writing thread.
        let bulk = pipeline.store as? BulkWrites
        bulk?.beginBulkWrites()
        defer { bulk?.endBulkWrites() }
        let channel = BatchChannel(capacity: 2)
        let work = DecodeWork(decoder: pipeline.decoder, reader: NumberedLineReader(fd: fd, maxLineBytes: pipeline.options.maxLineBytes))
        BackgroundThread.start(name: "warden-ingest-decode") { [channel, work] in
            let decoder = work.decoder, reader = work.reader
            let ok = reader.pump(beforeRead: { caughtUp in
                channel.setBytes(reader.bytesRead)
                if caughtUp && decoder.due(now: MonotonicClock.millis()) { channel.put(decoder.take()) }
            }) { item in
                if channel.isCancelled { return }
                decoder.feed(item)
                if decoder.full { channel.put(decoder.take()) }
            }
            if ok && !channel.isCancelled { reader.finish { decoder.feed($0) } }
            if !decoder.batch.isEmpty { channel.put(decoder.take()) }
            channel.close(ok: ok, bytes: reader.bytesRead, errno: errno)
        }
        var failure: StoreError?
        while let batch = channel.get() {
            if failure != nil { continue }  // drain so the decoder can finish
            do throws(StoreError) { try pipeline.apply(batch) } catch {
                failure = error
                channel.cancel()
            }
            bar?.update(bytes: channel.bytes, events: pipeline.stats.events)
        }
        pipeline.addBytes(channel.bytes)
        if let failure { throw failure }
        if !channel.ok { errno = channel.readErrno }
        return channel.ok
    }

    static func readAllSerially(fd: Int32, pipeline: IngestPipeline, bar: ProgressBar?) throws(StoreError) -> Bool {
        let reader = NumberedLineReader(fd: fd, maxLineBytes: pipeline.options.maxLineBytes)
        var failure: StoreError?
        var lastBytes: Int64 = 0
        let ok = reader.pump(beforeRead: { caughtUp in
            guard failure == nil else { return }
            pipeline.addBytes(reader.bytesRead - lastBytes)
            lastBytes = reader.bytesRead
            bar?.update(bytes: reader.bytesRead, events: pipeline.stats.events)
            if caughtUp { do throws(StoreError) { try pipeline.flushIfDue() } catch { failure = error } }
        }) { item in
            guard failure == nil, !pipeline.decoder.failed else { return }
            do throws(StoreError) { try pipeline.feed(item) } catch { failure = error }
        }
        if let failure { throw failure }
        pipeline.addBytes(reader.bytesRead - lastBytes)
        if !ok { return false }
        var finishFailure: StoreError?
        if !pipeline.decoder.failed {
            reader.finish { item in
                do throws(StoreError) { try pipeline.feed(item) } catch { finishFailure = error }
            }
        }
        if let finishFailure { throw finishFailure }
        return true
    }

    static func runFollow(path: String, pipeline: IngestPipeline, stderr: @escaping (String) -> Void,
                          pollIntervalMs: Int) throws(StoreError) {
        interrupted.store(false, ordering: .relaxed)
        let previousInt = signal(SIGINT) { _ in IngestCommand.interrupted.store(true, ordering: .relaxed) }
        let previousTerm = signal(SIGTERM) { _ in IngestCommand.interrupted.store(true, ordering: .relaxed) }
        defer {
            signal(SIGINT, previousInt)
            signal(SIGTERM, previousTerm)
        }
        let follower = FileFollower(path: path, pipeline: pipeline) { stderr("warden ingest: " + $0 + "\n") }
        if access(path, F_OK) != 0 { stderr("warden ingest: waiting for \(path) to appear\n") }
        while !interrupted.load(ordering: .relaxed) {
            try follower.poll()
            var slept = 0
            while slept < pollIntervalMs && !interrupted.load(ordering: .relaxed) {
                usleep(UInt32(min(50, pollIntervalMs - slept)) * 1000)
                slept += 50
            }
        }
        try follower.close()
    }
}

/// `[#######.......]  45%  12.3/27.1 MB  123,456 events/s  ETA 0:07` on one redrawn line.
final class ProgressBar {
    let total: Int64
    let write: (String) -> Void
    let started = MonotonicClock.millis()
    var lastDrawn: Int64 = 0
    var drawn = false

    init(total: Int64, write: @escaping (String) -> Void) {
        self.total = max(total, 1)
        self.write = write
    }

    func update(bytes: Int64, events: Int) {
        let now = MonotonicClock.millis()
        if now - lastDrawn < 100 { return }
        lastDrawn = now
        drawn = true
        write("\r" + Self.render(bytes: bytes, total: total, events: events, elapsedMs: now - started) + "\u{1B}[K")
    }

    func clear() {
        if drawn { write("\r\u{1B}[K") }
    }

    static func render(bytes: Int64, total: Int64, events: Int, elapsedMs: Int64) -> String {
        let fraction = min(1, Double(bytes) / Double(max(total, 1)))
        let width = 24
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let secs = max(Double(elapsedMs) / 1000, 0.001)
        let rate = Double(events) / secs
        let bytesPerSec = Double(bytes) / secs
        let eta = bytesPerSec > 0 ? Int(Double(total - bytes) / bytesPerSec) : 0
        func mb(_ b: Int64) -> String {
            let tenths = Int((Double(b) / 1_048_576 * 10).rounded())
            return "\(tenths / 10).\(tenths % 10)"
        }
        return "[\(bar)] \(Int(fraction * 100))%  \(mb(bytes))/\(mb(total)) MB  \(grouped(Int(rate))) events/s  ETA \(eta / 60):\(eta % 60 < 10 ? "0" : "")\(eta % 60)"
    }

    static func grouped(_ n: Int) -> String {
        let s = String(n)
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }
}

/// What the decoding thread owns while it runs.
final class DecodeWork: @unchecked Sendable {
    let decoder: BatchDecoder
    let reader: NumberedLineReader
    init(decoder: BatchDecoder, reader: NumberedLineReader) {
        self.decoder = decoder
        self.reader = reader
    }
}

/// A bounded hand-over of decoded batches from the decoding thread to the writing one.
final class BatchChannel: @unchecked Sendable {
    private let condition = Condition()
    private var queue: [DecodedBatch] = []
    private let capacity: Int
    private var closed = false
    private var cancelled = false
    private let cancelledFlag = Atomic<Bool>(false)
    private var _bytes: Int64 = 0
    private(set) var ok = true
    private(set) var readErrno: Int32 = 0

    init(capacity: Int) { self.capacity = capacity }

    func put(_ b: DecodedBatch) {
        condition.lock()
        while queue.count >= capacity && !cancelled { condition.wait() }
        if !cancelled { queue.append(b) }
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, or nil once the decoder is done and everything was taken.
    func get() -> DecodedBatch? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !closed { condition.wait() }
        if queue.isEmpty { return nil }
        let b = queue.removeFirst()
        condition.broadcast()
        return b
    }

    func close(ok: Bool, bytes: Int64, errno: Int32) {
        condition.lock()
        closed = true
        self.ok = ok
        readErrno = ok ? 0 : errno
        _bytes = bytes
        condition.broadcast()
        condition.unlock()
    }

    func cancel() {
        condition.lock()
        cancelled = true
        cancelledFlag.store(true, ordering: .relaxed)
        queue.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    var isCancelled: Bool { cancelledFlag.load(ordering: .relaxed) }

    func setBytes(_ n: Int64) { condition.lock(); _bytes = n; condition.unlock() }
    var bytes: Int64 { condition.lock(); defer { condition.unlock() }; return _bytes }
}
