/// One server-sent event (the fields MCP uses).
public struct SSEEvent: Equatable, Sendable {
    public var event: String?
    public var id: String?
    public var retry: String?
    /// The data lines joined with LF; nil when the event had no data field.
    public var data: String?

    public init(event: String? = nil, id: String? = nil, retry: String? = nil, data: String? = nil) {
        self.event = event
        self.id = id
        self.retry = retry
        self.data = data
    }

    /// The event as written on the wire; every field is one line (a field value never holds
    /// a line break: the parser split at every CR and LF).
    public var bytes: [UInt8] {
        var out = ""
        if let event { out += "event: \(event)\n" }
        if let id { out += "id: \(id)\n" }
        if let retry { out += "retry: \(retry)\n" }
        if let data {
            for line in data.split(separator: "\n", omittingEmptySubsequences: false) { out += "data: \(line)\n" }
        }
        return Array((out + "\n").utf8)
    }
}

/// An incremental `text/event-stream` reader (the WHATWG rules): lines end at CRLF, LF or CR;
/// a blank line ends an event; `:` starts a comment; one space after the colon is dropped.
public struct SSEParser: Sendable {
    private var line: [UInt8] = []
    private var lastWasCR = false
    private var current = SSEEvent()
    private var dataLines: [String] = []
    private var hasField = false
    /// Lines longer than this are cut off, events with more data than this are dropped.
    let maxEventBytes: Int
    private var eventBytes = 0

    public init(maxEventBytes: Int = 4 << 20) { self.maxEventBytes = maxEventBytes }

    public mutating func feed(_ bytes: [UInt8]) -> [SSEEvent] {
        var out: [SSEEvent] = []
        for b in bytes {
            if b == 10 && lastWasCR { lastWasCR = false; continue }
            lastWasCR = b == 13
            if b == 10 || b == 13 {
                if let e = endLine() { out.append(e) }
            } else {
                eventBytes += 1
                if line.count < maxEventBytes { line.append(b) }
            }
        }
        return out
    }

    private mutating func endLine() -> SSEEvent? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            defer { current = SSEEvent(); dataLines = []; hasField = false; eventBytes = 0 }
            guard hasField, eventBytes <= maxEventBytes else { return nil }
            var e = current
            e.data = dataLines.isEmpty ? nil : dataLines.joined(separator: "\n")
            return e
        }
        if line.first == 58 { return nil }  // a comment
        let name: String, value: String
        if let colon = line.firstIndex(of: 58) {
            name = String(decoding: line[..<colon], as: UTF8.self)
            var v = line[(colon + 1)...]
            if v.first == 32 { v = v.dropFirst() }
            value = String(decoding: v, as: UTF8.self)
        } else {
            name = String(decoding: line, as: UTF8.self)
            value = ""
        }
        switch name {
        case "data": dataLines.append(value); hasField = true
        case "event": current.event = value; hasField = true
        case "id": if !value.contains("\0") { current.id = value; hasField = true }
        case "retry": if !value.isEmpty, value.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) { current.retry = value; hasField = true }
        default: break
        }
        return nil
    }
}
