import Glibc
import WardenConfig
import WardenCore
import WardenSystem
import WardenServe
import WardenStore

/// `warden serve`: flags and the config file read here, the service itself in WardenServe.
enum ServeCLI {
    static func run(_ inv: Invocation, _ ctx: Context) throws -> Int32 {
        // --config FILE replaces the usual config file for this run (its `db` included).
        let file: ConfigFile
        do {
            if let path = inv.text("config") {
                guard let data = try? FileContents.read(path) else {
                    throw RuntimeError("--config \(TerminalText.safe(path)): cannot read the file")
                }
                file = try ConfigFile.parse(String(decoding: data, as: UTF8.self), path: path, sections: Settings.sections)
            } else {
                file = try ConfigFile.load(environment: ctx.environment, sections: Settings.sections)
            }
        } catch let e as FileError {
            throw RuntimeError(TerminalText.safe(e.description))
        }
        var initial = ServeSection()
        initial.environment = ctx.environment
        let serve: ServeSection, storeSection: StoreSection
        do {
            serve = try file.section(ServeSection.self, into: initial)
            storeSection = try file.section(StoreSection.self)
        } catch {
            throw RuntimeError(TerminalText.safe(error.description))
        }
        let checked: ServeSection
        do { checked = try serve.checked() } catch {
            throw RuntimeError(TerminalText.safe("\(file.path): \(error.message)"))
        }
        var listen = checked.listen ?? .default
        if let text = inv.text("listen") {
            do { listen = try ListenAddress.parse(text) } catch { throw UsageError(TerminalText.safe(error.description), command: inv.command) }
        }
        var options = ServeService.Options(listen: listen, tlsCertFile: inv.text("tls-cert"), tlsKeyFile: inv.text("tls-key"), config: checked)
        options.version = CLI.version
        let timeout = storeSection.storeTimeoutMs
        options.storeTimeoutMs = { timeout }
        do { try ServeService.check(options) } catch { throw UsageError(TerminalText.safe(error.description), command: inv.command) }
        let location = StoreLocation.resolve(flag: ctx.globals.db, environment: ctx.environment) { storeSection.db }
        Stdio.flush()
        return ServeService.run(store: StoreAccess.backend(location), options: options)
    }
}
