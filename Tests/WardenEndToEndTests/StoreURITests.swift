import Foundation
import Testing

/// A PostgreSQL URI given as the store is never shown with its password, whatever the command
/// says about it, and is never taken for a SQLite file name.
@Suite("store URIs")
struct StoreURITests {
    @Test func aPasswordInTheURINeverReachesOutput() throws {
        let s = try Sandbox()
        let uri = "postgresql://gate:hunter2secret@db.invalid/warden?password=hunter2secret"
        for args in [["agent", "ls"], ["doctor"], ["init", "--trust-domain", "acme.example"]] {
            let viaFlag = try s.run(["--db", uri] + args, useDB: false)
            let viaEnvironment = try s.run(args, environment: ["WARDEN_DB": uri], useDB: false)
            for r in [viaFlag, viaEnvironment] {
                #expect(r.status != 0, "\(args): \(r)")
                #expect(!(r.stdout + r.stderr).contains("hunter2"), "\(args): \(r)")
            }
        }
        let made = try FileManager.default.contentsOfDirectory(atPath: s.folder.path).filter { $0.hasPrefix("postgres") }
        #expect(made.isEmpty, "no file was made from the URI: \(made)")
    }
}
