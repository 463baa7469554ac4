import Glibc
import WardenSystem

// Warden's command line: parsing and wiring only. Everything it decides is decided in
// WardenCore; everything it stores goes through WardenStore's FleetStore.
let code = CLI.run(Array(CommandLine.arguments.dropFirst()), environment: ProcessEnvironment.current())
Stdio.flush()
exit(code)
