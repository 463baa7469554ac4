import Glibc
import WardenStore
import WardenSystem

/// `tail -F` for a telemetry file: reads what is there, then on each `poll()` reads what was
/// appended; survives rotation (the path now names another file: the old one is drained, then
/// the new one read from its start) and truncation (read again from the start). A missing file
/// is waited for. The caller decides when to poll (every 200 ms in `IngestCommand`; tests call
/// `poll()` by hand after changing the file).
public final class FileFollower {
    public let path: String
    let pipeline: IngestPipeline
    private var fd: Int32 = -1
    private var reader: NumberedLineReader?
    private var device: UInt64 = 0
    private var inode: UInt64 = 0
    /// Bytes read from the current file since it was opened or truncated.
    private var position: Int64 = 0
    /// Rotations and truncations seen (for tests and notes).
    public private(set) var rotations = 0
    public private(set) var truncations = 0
    let note: (String) -> Void

    public init(path: String, pipeline: IngestPipeline, note: @escaping (String) -> Void = { _ in }) {
        self.path = path
        self.pipeline = pipeline
        self.note = note
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// Reads everything available now and notices rotation and truncation; writes pending
    /// events before returning, so what was read is in the store when `poll` returns.
    public func poll() throws(StoreError) {
        if fd < 0 {
            guard openFile() else { return }
        }
        try drain()
        var st = stat()
        if stat(path, &st) == 0 {
            if UInt64(st.st_dev) != device || UInt64(st.st_ino) != inode {
                // Rotated: finish the old file (a writer may have added a last line), then switch.
                try drain()
                try finishFile()
                Glibc.close(fd); fd = -1
                rotations += 1
                note("\(path): file was rotated; following the new file")
                if openFile() { try drain() }
            } else {
                var cur = stat()
                if fstat(fd, &cur) == 0, Int64(cur.st_size) < position {
                    truncations += 1
                    note("\(path): file was truncated; reading from its start")
                    lseek(fd, 0, SEEK_SET)
                    reader?.reset()
                    position = 0
                    try drain()
                }
            }
        }
        pipeline.releaseStaleSpans()
        try pipeline.flushIfDue(force: true)
    }

    /// The end of following: the last line without a newline counts, pending events are written.
    public func close() throws(StoreError) {
        if fd >= 0 {
            try drain()
            try finishFile()
            Glibc.close(fd)
            fd = -1
        }
        try pipeline.flushIfDue(force: true)
    }

    private func openFile() -> Bool {
        let f = open(path, O_RDONLY | O_CLOEXEC)
        guard f >= 0 else { return false }
        var st = stat()
        fstat(f, &st)
        fd = f
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        position = 0
        reader = NumberedLineReader(fd: f, maxLineBytes: pipeline.options.maxLineBytes)
        pipeline.sourceName = path
        return true
    }

    private func drain() throws(StoreError) {
        guard let reader else { return }
        let before = reader.bytesRead
        var failure: StoreError?
        _ = reader.pump(beforeRead: { caughtUp in
            if caughtUp, failure == nil {
                do throws(StoreError) { try pipeline.flushIfDue() } catch { failure = error }
            }
        }) { item in
            guard failure == nil else { return }
            do throws(StoreError) { try pipeline.feed(item) } catch { failure = error }
        }
        if let failure { throw failure }
        position += reader.bytesRead - before
        pipeline.addBytes(reader.bytesRead - before)
    }

    private func finishFile() throws(StoreError) {
        guard let reader else { return }
        var failure: StoreError?
        reader.finish { item in
            do throws(StoreError) { try pipeline.feed(item) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}
