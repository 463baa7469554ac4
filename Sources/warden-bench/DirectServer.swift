import Foundation
import Glibc
import WardenSystem

/// The stdio test server reached directly over its pipes, one call at a time: the baseline a
/// gateway's added latency is measured against. Kept open so that its calls can alternate with
/// the gateway's, and both see the same moments of the (shared, busy) machine.
final class DirectServer {
    private let child = Process()
    private let toChild: ProxyBench.Pipes
    private let fromChild: ProxyBench.Pipes
    private let lines: ProxyBench.SyncLines

    init(command: [String]) throws {
        toChild = try ProxyBench.Pipes()
        fromChild = try ProxyBench.Pipes()
        lines = ProxyBench.SyncLines(fd: fromChild.read)
        child.executableURL = URL(fileURLWithPath: command[0])
        child.arguments = Array(command.dropFirst())
        child.standardInput = FileHandle(fileDescriptor: toChild.read)
        child.standardOutput = FileHandle(fileDescriptor: fromChild.write)
        try child.run()
        _ = try roundTrip(#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}"#)
        guard FD.writeAll(toChild.write, Array(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.utf8) + [10]) else {
            throw BenchFailure("the server stopped reading")
        }
    }

    /// An `echo` call, checked; microseconds from the write to its answer's newline.
    func call(id: Int, text: String) throws -> Double {
        let t0 = MonotonicClock.nanos()
        let answer = try roundTrip(#"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"echo","arguments":{"text":"\#(text)"}}}"#)
        let micros = Double(MonotonicClock.nanos() - t0) / 1000
        guard String(decoding: answer, as: UTF8.self).contains(text) else { throw BenchFailure("the server answered call \(id) without its text") }
        return micros
    }

    private func roundTrip(_ line: String) throws -> [UInt8] {
        guard FD.writeAll(toChild.write, Array((line + "\n").utf8)) else { throw BenchFailure("the server stopped reading") }
        guard let answer = lines.next() else { throw BenchFailure("the server stopped answering") }
        return answer
    }

    func close() {
        toChild.closeWrite()
        child.waitUntilExit()
        toChild.close()
        fromChild.close()
    }
}
