// swift-tools-version:6.0
// Warden: identity and delegation governance for fleets of AI agents.
// No package dependencies (owner's requirement): system C libraries only.
import PackageDescription

let package = Package(
    name: "Warden",
    products: [
        .executable(name: "warden", targets: ["warden"]),
        .executable(name: "warden-bench", targets: ["warden-bench"]),
    ],
    targets: [
        // System libraries, each found through pkg-config with an apt provider. ncursesw is the
        // exception: Debian's `pkg-config ncursesw` emits -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=600,
        // which SwiftPM prohibits (a warning on every build), so its module map links it directly
        // (Debian's libncursesw.so pulls in libtinfo) and the shim defines what it needs.
        .systemLibrary(name: "CNcurses", path: "Sources/CNcurses",
                       providers: [.apt(["libncurses-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        // libpq, libmicrohttpd (HTTP server, TLS through GnuTLS) for `warden serve` and libcurl
        // for its upstreams are loaded at run time (dlopen, WardenSystem's LoadedLibrary) when
        // first needed: linked, they and their ~25 dependencies were mapped and bound by every
        // `warden authorize`, which runs once per tool call. Their targets give the headers only:
        // no `link` in the module maps and no `pkgConfig`, because SwiftPM puts every system
        // library's `pkg-config --libs` (`-lpq`, …) on the link line, where nothing can undo it
        // (swiftc places any `--as-needed` of ours after those `-l`s). The headers are in the
        // default include path (libpq's shim names Debian's postgresql/ folder). The apt
        // providers name the development packages; the run-time errors name the libraries'.
        .systemLibrary(name: "CPostgres", path: "Sources/CPostgres", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CMicroHTTPD", path: "Sources/CMicroHTTPD", providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // prctl(2) and the environment block, for commands holding a secret; malloc_trim (libc only, no library).
        .systemLibrary(name: "CProcess", path: "Sources/CProcess"),

        // Pure domain: scopes, delegation forest, authorization. No I/O, no clock.
        .target(name: "WardenCore"),
        // POSIX support shared by the runtimes: clocks, file descriptors, line readers.
        .target(name: "WardenSystem", dependencies: ["CProcess"]),
        // The store contract: protocols every backend implements, and what they share.
        .target(name: "WardenStore", dependencies: ["WardenCore", "CCrypto"]),
        // The embedded backend, the only importer of SQLite: schema, migrations, queries.
        .target(name: "WardenSQLite", dependencies: ["WardenCore", "WardenStore", "CSQLite", "CCrypto"]),
        // The fleet-wide backend on PostgreSQL, the only importer of libpq.
        .target(name: "WardenPostgres", dependencies: ["WardenCore", "WardenStore", "WardenSystem", "CPostgres"]),
        // Pure terminal model: cells, buffers, layout, widgets, sanitizer.
        .target(name: "TerminalUI"),
        // The config file every command shares; each module reads its own keys.
        .target(name: "WardenConfig", dependencies: ["WardenCore", "TerminalUI", "WardenSystem"]),
        // The only importer of ncurses.
        .target(name: "NcursesTerminal", dependencies: ["TerminalUI", "CNcurses"]),
        // Telemetry decoders (NDJSON, OTLP/JSON) and the batched ingest pipeline.
        .target(name: "WardenIngest", dependencies: ["WardenCore", "WardenStore", "WardenSystem"]),
        // A simulated fleet writing real activity to a store (demo and `warden simulate`).
        .target(name: "WardenSimulator", dependencies: ["WardenCore", "WardenStore", "WardenSystem"]),
        // The stdio MCP gatekeeper: JSON-RPC relay, decisions through the store.
        .target(name: "WardenMCP", dependencies: ["WardenCore", "WardenStore", "WardenSystem", "WardenHTTPClient", "CProcess"]),
        // The only importer of libcurl: HTTP exchanges with streamed answers.
        .target(name: "WardenHTTPClient", dependencies: ["CCurl", "WardenSystem"]),
        // `warden serve`, the only importer of libmicrohttpd: the Streamable HTTP MCP gateway.
        .target(name: "WardenServe", dependencies: ["WardenCore", "WardenStore", "WardenSystem", "WardenConfig", "WardenMCP",
                                                    "WardenHTTPClient", "CMicroHTTPD"]),
        // Elm-style dashboard: State, Msg, update, views.
        .target(name: "WardenDashboard", dependencies: ["WardenCore", "WardenStore", "WardenSystem", "WardenConfig", "TerminalUI", "NcursesTerminal"]),
        // CLI parsing and wiring only. Release builds link the Swift runtime statically: agent
        // runtimes start `warden authorize` once per tool call, and binding eight Swift shared
        // libraries was a sixth of that process's instructions (BENCHMARKS.md, "Whole-process").
        .executableTarget(name: "warden", dependencies: [
            "WardenCore", "WardenStore", "WardenSQLite", "WardenPostgres", "TerminalUI", "NcursesTerminal", "WardenDashboard",
            "WardenIngest", "WardenSimulator", "WardenMCP", "WardenSystem", "WardenConfig", "CProcess", "WardenServe",
        ], linkerSettings: [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux], configuration: .release))]),
        // The scale benchmark: synthetic stores, figures as a table or JSON.
        .executableTarget(name: "warden-bench", dependencies: [
            "WardenCore", "WardenStore", "WardenSQLite", "WardenPostgres", "TerminalUI", "NcursesTerminal", "WardenDashboard",
            "WardenIngest", "WardenMCP", "WardenSystem", "WardenHTTPClient",
        ]),
        // A tiny stdio MCP server the proxy tests talk to.
        .executableTarget(name: "warden-test-mcp-server", path: "Tests/Support/TestMCPServer"),
        // What the test targets share: temporary folders and stores, store contents, snapshots.
        .target(name: "WardenTestSupport", dependencies: ["WardenCore", "WardenStore", "WardenSQLite", "WardenPostgres"],
                path: "Tests/Support/WardenTestSupport"),

        .testTarget(name: "WardenCoreTests", dependencies: ["WardenCore"]),
        .testTarget(name: "WardenSystemTests", dependencies: ["WardenSystem"]),
        .testTarget(name: "WardenStoreTests", dependencies: ["WardenTestSupport", "WardenSQLite", "WardenPostgres", "WardenStore", "WardenCore", "CSQLite"]),
        .testTarget(name: "TerminalUITests", dependencies: ["TerminalUI", "WardenCore"]),
        .testTarget(name: "WardenDashboardTests", dependencies: ["WardenTestSupport", "WardenSQLite", "WardenPostgres", "WardenDashboard", "WardenConfig", "TerminalUI", "WardenStore", "WardenCore"],
                    exclude: ["Snapshots"]),
        .testTarget(name: "WardenIngestTests", dependencies: ["WardenTestSupport", "WardenSQLite", "WardenIngest", "WardenStore", "WardenCore", "WardenSystem"]),
        .testTarget(name: "WardenSimulatorTests", dependencies: ["WardenTestSupport", "WardenSQLite", "WardenSimulator", "WardenStore", "WardenCore"]),
        .testTarget(name: "WardenMCPTests", dependencies: ["WardenSQLite", "WardenMCP", "WardenStore", "WardenCore", "WardenSystem"]),
        .testTarget(name: "WardenServeTests", dependencies: ["WardenTestSupport", "WardenServe", "WardenHTTPClient", "WardenMCP", "WardenCore", "WardenSystem"]),
        // The store modules only to seed what no command writes (a proxy's tool listing).
        .testTarget(name: "WardenEndToEndTests", dependencies: ["WardenTestSupport", "WardenCore", "WardenStore", "WardenSQLite", "WardenHTTPClient"]),
    ]
)
