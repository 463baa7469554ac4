import Foundation

/// Runs the sqlite3 shell on a store: a separate process, with none of Warden's functions, as an
/// operator (or an attacker) would reach the file. Only for what no store call can say.
public func sqlite(_ path: String, _ args: String...) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    p.arguments = [path] + args
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

/// Everything a SQLite store file holds, as text, to compare contents before and after.
public func contentDump(_ path: String) throws -> String { try sqlite(path, ".dump") }
