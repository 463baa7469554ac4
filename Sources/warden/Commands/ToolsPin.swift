import Glibc
import WardenCore
import WardenSystem
import WardenStore

/// `warden tools pin --from FILE`: approves a reviewed manifest of tool definitions ahead of
/// time, so a server's first listing in production finds them approved (CI can check a
/// server's tools before it ships). The whole manifest is checked before anything is written.
enum ToolsPinCommand {
    /// One server's tools as the manifest gives them, hashed as mcp-proxy hashes a listing.
    struct Entry {
        let server: String
        let tools: [ObservedTool]
    }

    /// A manifest that cannot be used, with where: `FILE:LINE:COLUMN` or a JSON path.
    struct Invalid: Error {
        let message: String
    }

    static func run(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let file = inv.text("from")!
        let name = file == "-" ? "<stdin>" : TerminalText.safe(file)
        let entries: [Entry]
        do { entries = try parse(try read(file), file: name) } catch let e as Invalid {
            throw RuntimeError("\(e.message); nothing was pinned")
        }
        let store = try ctx.openStore(readOnly: false)
        let m = ctx.mutation(reason: inv.text("reason"))
        var results: [(Entry, Int)] = []
        for e in entries { results.append((e, try store.pinTools(server: e.server, tools: e.tools, m))) }
        if ctx.json {
            ctx.emit(.object([("servers", .array(results.map { e, added in .object([
                ("server", .string(e.server)),
                ("tools", .array(e.tools.map { .object([("tool", .string($0.name)), ("hash", .string($0.hash))]) })),
                ("newly_approved", .int(added)),
            ]) }))]))
            return 0
        }
        for (e, added) in results {
            ctx.line("pinned \(TerminalText.safe(e.server)): \(plural(e.tools.count, "tool")) approved (\(added) new, \(e.tools.count - added) approved already)")
        }
        ctx.note("a definition approved ahead applies when its server lists it; `warden tools` shows tools once listed")
        return 0
    }

    static func read(_ file: String) throws -> String {
        let data: [UInt8]
        if file == "-" {
            guard let d = FileContents.readAll(fd: 0) else { throw RuntimeError("cannot read standard input: \(FD.errorText)") }
            data = d
        } else {
            guard let d = try? FileContents.read(file) else {
                throw RuntimeError("cannot read \(TerminalText.safe(file)): \(SetupCommands.whyUnreadable(file))")
            }
            data = d
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw RuntimeError("\(file == "-" ? "<stdin>" : TerminalText.safe(file)) is not UTF-8 text; nothing was pinned")
        }
        return text
    }

    /// `{"server": NAME, "tools": [TOOL, …]}`, or an array of such objects (several servers).
    /// Each TOOL is the object as the server lists it in `tools/list`, pinned whole.
    static func parse(_ text: String, file: String) throws(Invalid) -> [Entry] {
        let document: JSONValue
        do { document = try JSONParser.parse(text) } catch {
            throw Invalid(message: "\(file):\(error.line):\(error.column): \(TerminalText.safe(error.message))")
        }
        let objects: [(String, JSONValue)]
        switch document {
        case .object: objects = [("$", document)]
        case .array(let items):
            if items.isEmpty { throw Invalid(message: "\(file): $: the manifest lists no server") }
            objects = items.enumerated().map { ("$[\($0.offset)]", $0.element) }
        default:
            throw Invalid(message: "\(file): $: expected an object {\"server\": NAME, \"tools\": [...]} or an array of them, not \(document.typeName)")
        }
        var entries: [Entry] = []
        var seenServers: [String: String] = [:]
        for (path, object) in objects {
            let entry = try self.entry(object, path: path, file: file)
            if let earlier = seenServers[entry.server] {
                throw Invalid(message: "\(file): \(path).server: '\(TerminalText.safe(entry.server))' is listed already at \(earlier)")
            }
            seenServers[entry.server] = path
            entries.append(entry)
        }
        return entries
    }

    static func entry(_ object: JSONValue, path: String, file: String) throws(Invalid) -> Entry {
        func fail(_ at: String, _ why: String) -> Invalid { Invalid(message: "\(file): \(at): \(why)") }
        guard let members = object.object else { throw fail(path, "expected an object {\"server\", \"tools\"}, not \(object.typeName)") }
        if let unknown = members.first(where: { $0.0 != "server" && $0.0 != "tools" }) {
            throw fail("\(path).\(TerminalText.safe(unknown.0))", "unknown member (a server's entry has only \"server\" and \"tools\")")
        }
        guard let serverValue = object["server"] else { throw fail(path, "missing \"server\" (the name its tools are scoped by, as mcp-proxy's --server-name)") }
        guard let server = serverValue.string else { throw fail("\(path).server", "expected a string, not \(serverValue.typeName)") }
        do { try ToolRules.validateServer(server) } catch { throw fail("\(path).server", TerminalText.safe(error.description)) }
        guard let toolsValue = object["tools"] else { throw fail(path, "missing \"tools\" (the tool objects as the server lists them)") }
        guard let items = toolsValue.array else { throw fail("\(path).tools", "expected an array, not \(toolsValue.typeName)") }
        if items.isEmpty { throw fail("\(path).tools", "lists no tools") }
        var tools: [ObservedTool] = []
        var seen: [String: Int] = [:]
        for (k, item) in items.enumerated() {
            let at = "\(path).tools[\(k)]"
            guard item.object != nil else { throw fail(at, "expected a tool object, not \(item.typeName)") }
            let observed: ObservedTool
            do { observed = try ToolHash.observe(item, path: at) } catch {
                throw Invalid(message: "\(file): \(TerminalText.safe(error.description))")
            }
            if let earlier = seen[observed.name] {
                throw fail("\(at).name", "tool '\(TerminalText.safe(observed.name))' is listed already at \(path).tools[\(earlier)]")
            }
            seen[observed.name] = k
            tools.append(observed)
        }
        return Entry(server: server, tools: tools)
    }
}
