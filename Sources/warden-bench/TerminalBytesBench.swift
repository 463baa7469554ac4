import Foundation
import Glibc
import NcursesTerminal
import TerminalUI
import WardenDashboard
import WardenSystem

/// Bytes the real ncurses backend writes for a full frame vs a frame where one row changed:
/// a child (`warden-bench --pty-child STORE`) draws on a pseudo-terminal, the parent counts
/// what arrives on the master. The child says "drawn" on a pipe after each frame and waits for
/// a key before the next.
enum TerminalBytesBench {
    static func run(path: String, home: String) throws -> [Metric] {
        let pty = try PseudoTerminal()
        let signals = Pipe()
        let child = try pty.spawn(Siblings.selfPath, ["--pty-child", path],
                                  environment: PseudoTerminal.environment(home: home), stderr: signals.fileHandleForWriting)
        try signals.fileHandleForWriting.close()
        let fromChild = signals.fileHandleForReading.fileDescriptor
        var phases: [Int] = []
        var current = 0
        var pending = ""
        let deadline = MonotonicClock.nanos() + 120_000_000_000
        while phases.count < 4 && MonotonicClock.nanos() < deadline {
            var fds = [pollfd(fd: pty.master, events: Int16(POLLIN), revents: 0), pollfd(fd: fromChild, events: Int16(POLLIN), revents: 0)]
            guard poll(&fds, 2, 1000) > 0 else {
                if !child.isRunning { break }
                continue
            }
            if fds[0].revents & Int16(POLLIN) != 0 { current += pty.drain(timeoutMs: 0) }
            if fds[1].revents & Int16(POLLIN | POLLHUP) != 0 {
                var buf = [UInt8](repeating: 0, count: 4096)
                let n = read(fromChild, &buf, buf.count)
                if n <= 0 { break }
                pending += String(decoding: buf[0..<n], as: UTF8.self)
                while let nl = pending.firstIndex(of: "\n") {
                    let line = String(pending[..<nl])
                    pending = String(pending[pending.index(after: nl)...])
                    if line == "drawn" {
                        current += pty.drainUntilQuiet(quietMs: 200)
                        phases.append(current)
                        current = 0
                        pty.send("k")
                    } else if line.hasPrefix("error") {
                        throw BenchFailure("pty child: \(line)")
                    }
                }
            }
        }
        _ = pty.drainUntilQuiet(quietMs: 100)
        if child.isRunning { kill(child.processIdentifier, SIGTERM) }
        child.waitUntilExit()
        guard phases.count == 4 else { throw BenchFailure("pty child finished \(phases.count) of 4 frames") }
        return [
            .value("term_bytes_full_frame", "bytes to the terminal: first full frame (tree, 120×40)", "bytes", Double(phases[1])),
            .value("term_bytes_one_row", "bytes to the terminal: a frame where one row changed", "bytes", Double(phases[2])),
            .value("term_bytes_full_redraw", "bytes to the terminal: forced full redraw (Ctrl-L)", "bytes", Double(phases[3]),
                   note: "terminal setup before the first frame: \(phases[0]) bytes"),
        ]
    }

    /// The child side: runs with stdin/stdout on the pty slave and stderr on the pipe.
    static func child(path: String) -> Int32 {
        func say(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
        do {
            let h = try DashboardHarness(path: path, now: WallClock.now())
            let full = h.previous
            var oneRow = full
            // Change one row of the list: new text in the row's own style.
            let y = 8
            let style = full[2, y].style
            oneRow.set(2, y, String(repeating: "changed ", count: 8), style: style, maxWidth: 60)
            let terminal = try Terminal(options: .init(monochrome: false, mouse: false, ctrlCAsKey: true))
            defer { terminal.restore() }
            func step(_ draw: () -> Void) {
                draw()
                say("drawn")
                _ = terminal.readEvent(timeoutMs: 20_000)
            }
            step { terminal.draw(Buffer(width: terminal.width, height: terminal.height)) }
            step { terminal.draw(full) }
            step { terminal.draw(oneRow) }
            step {
                terminal.forceFullRedraw()
                terminal.draw(oneRow)
            }
            return 0
        } catch {
            say("error \(error)")
            return 2
        }
    }
}
