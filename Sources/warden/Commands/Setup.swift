import Glibc
import WardenCore
import WardenSystem
import WardenStore

enum SetupCommands {
    /// The system's reason a file cannot be read (`No such file or directory`, …).
    static func whyUnreadable(_ path: String) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 { return String(cString: strerror(errno)) }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFDIR { return "it is a folder" }
        return "it could not be read"
    }

    static func initStore(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let domain = inv.text("trust-domain") ?? "warden.local"
        do { try Identity.validateTrustDomain(domain) } catch {
            throw UsageError(error.description, command: inv.command)
        }
        let store = try ctx.storeBackend.create(trustDomain: domain)
        if ctx.json {
            ctx.emit(.object([("path", .string(store.location)), ("trust_domain", .string(domain))]))
        } else {
            ctx.line("created store \(TerminalText.safe(store.location)) (trust domain \(domain))")
        }
        return 0
    }

    static func importFleet(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        let file = inv.positional("FILE")!
        let text: String
        if file == "-" {
            guard let data = FileContents.readAll(fd: 0) else { throw RuntimeError("cannot read standard input: \(FD.errorText)") }
            guard let s = String(validating: data, as: UTF8.self) else { throw RuntimeError("standard input is not UTF-8 text") }
            text = s
        } else {
            guard let data = try? FileContents.read(file) else {
                throw RuntimeError("cannot read \(TerminalText.safe(file)): \(whyUnreadable(file))")
            }
            guard let s = String(validating: data, as: UTF8.self) else { throw RuntimeError("\(TerminalText.safe(file)) is not UTF-8 text") }
            text = s
        }
        let document: FleetDocument
        do { document = try FleetDocument.decode(text) } catch {
            throw RuntimeError("\(file == "-" ? "<stdin>" : TerminalText.safe(file)): \(TerminalText.safe(error.description)); nothing was imported")
        }
        let store = try ctx.openStore(readOnly: false)
        let outcome = try store.importFleet(document, ctx.mutation(reason: inv.text("reason")))
        if ctx.json {
            ctx.emit(.object([
                ("principals", .int(outcome.principals)),
                ("agents", .int(outcome.agents)),
                ("credentials", .int(outcome.credentials)),
                ("instances", .int(outcome.instances)),
                ("issued_secrets", .array(outcome.issuedSecrets.map {
                    .object([("credential_id", .string($0.credentialID)), ("agent_id", .string($0.agentID)), ("secret", .string($0.secret))])
                })),
            ]))
            return 0
        }
        ctx.line("imported \(outcome.principals) principals, \(outcome.agents) agents, \(outcome.credentials) credentials, \(outcome.instances) instances")
        if !outcome.issuedSecrets.isEmpty {
            ctx.line("")
            ctx.line("Secrets generated for credentials the document gave none for:")
            var t = Table(["CREDENTIAL", "AGENT", "SECRET"])
            for s in outcome.issuedSecrets { t.add([s.credentialID, s.agentID, s.secret]) }
            ctx.out(t.render(indent: 2))
            ctx.note("warden: these secrets are shown once and are not stored; copy the ones you need now.")
        }
        return 0
    }
}
