import WardenCore


/// The tools simulated agents call, by MCP server, with argument summaries that look like the
/// real thing (never secrets).
enum Catalog {
    static let tools: [(server: String, tools: [String])] = [
        ("github", ["get_issue", "search_issues", "create_issue", "add_labels", "list_labels", "get_pull_request",
                    "get_file_contents", "create_pull_request_review", "create_review_comment", "list_commits",
                    "get_commit", "create_release", "merge_pull_request", "create_deployment"]),
        ("slack", ["post_message", "get_channel_history"]),
        ("jira", ["get_issue", "search", "create_issue", "add_comment", "transition_issue"]),
        ("filesystem", ["read_file", "read_multiple_files", "list_directory", "write_file"]),
        ("postgres", ["query", "list_tables", "describe_table"]),
        ("browser", ["navigate", "get_text"]),
        ("kubernetes", ["get_pods", "get_logs", "rollout_restart", "apply"]),
        ("pagerduty", ["acknowledge_incident"]),
        // A coding agent's own tools, governed through `warden hook claude-code`.
        ("claude-code", ["Read", "Grep", "Glob", "Edit", "Bash", "WebFetch"]),
    ]

    /// Every `server/tool` the catalog knows.
    static let all: [(String, String)] = tools.flatMap { entry in entry.tools.map { (entry.server, $0) } }

    /// The catalog tools a scope set allows.
    static func allowed(by scopes: ScopeSet) -> [(String, String)] {
        all.filter { scopes.allows(server: Substring($0.0), tool: Substring($0.1)) }
    }

    static let repos = ["acme/api", "acme/web", "acme/payments", "acme/infra", "acme/mobile"]
    static let channels = ["#deploys", "#incidents", "#support", "#eng-platform", "#releases"]
    static let tables = ["orders", "customers", "invoices", "events", "subscriptions"]
    static let paths = ["src/main.swift", "README.md", "Sources/Billing/Invoice.swift", "deploy/values.yaml",
                        "tests/test_checkout.py", "logs/ci-4812.txt"]
    static let namespaces = ["payments", "web", "ingest", "default"]
    static let urls = ["https://docs.acme.example/runbooks/db-failover", "https://status.acme.example",
                       "https://en.wikipedia.org/wiki/Exponential_backoff", "https://kb.acme.example/articles/1042"]

    /// A short argument summary for a call.
    static func args(server: String, tool: String, _ r: inout SplitMix64) -> String {
        let repo = r.pick(repos)
        switch (server, tool) {
        case ("github", "get_issue"), ("github", "add_labels"):
            return "repo=\(repo) issue=#\(r.range(1000...4999))" + (tool == "add_labels" ? " labels=[bug,triage]" : "")
        case ("github", "search_issues"): return "q=\"\(r.pick(["flaky test", "timeout", "500 on checkout", "memory leak"])) repo:\(repo)\""
        case ("github", "create_issue"): return "repo=\(repo) title=\"\(r.pick(["Flaky test in CheckoutTests", "p99 latency regression", "Crash on launch"]))\""
        case ("github", "get_pull_request"), ("github", "create_pull_request_review"), ("github", "merge_pull_request"):
            return "repo=\(repo) pr=#\(r.range(100...999))"
        case ("github", "create_review_comment"): return "repo=\(repo) pr=#\(r.range(100...999)) path=\(r.pick(paths)) line=\(r.range(1...400))"
        case ("github", "get_file_contents"): return "repo=\(repo) path=\(r.pick(paths)) ref=main"
        case ("github", "list_commits"), ("github", "get_commit"): return "repo=\(repo) sha=\(r.hex(7))"
        case ("github", "create_release"): return "repo=\(repo) tag=v\(r.range(1...4)).\(r.range(0...20)).\(r.range(0...9))"
        case ("github", "create_deployment"): return "repo=\(repo) env=\(r.pick(["staging", "production"])) ref=\(r.hex(7))"
        case ("slack", "post_message"): return "channel=\(r.pick(channels)) text=\"\(r.pick(["Deploy finished ✅", "Investigating elevated errors", "Ticket escalated to tier 2", "Release notes ready"]))\""
        case ("slack", "get_channel_history"): return "channel=\(r.pick(channels)) limit=\(r.pick([20, 50, 100]))"
        case ("jira", _): return "key=OPS-\(r.range(100...2999))" + (tool == "transition_issue" ? " to=Done" : "")
        case ("filesystem", "list_directory"): return "path=\(r.pick(["src/", "tests/", "deploy/", "logs/"]))"
        case ("filesystem", "write_file"): return "path=out/\(r.pick(["report.md", "chart.png", "summary.csv"])) bytes=\(r.range(200...90000))"
        case ("filesystem", _): return "path=\(r.pick(paths))"
        case ("postgres", "query"): return "sql=\"SELECT count(*) FROM \(r.pick(tables)) WHERE created_at > now() - interval '1 day'\""
        case ("postgres", _): return "schema=public table=\(r.pick(tables))"
        case ("browser", _): return "url=\(r.pick(urls))"
        case ("kubernetes", "get_logs"): return "ns=\(r.pick(namespaces)) pod=\(r.pick(["api", "worker", "web"]))-\(r.hex(5)) tail=200"
        case ("kubernetes", _): return "ns=\(r.pick(namespaces)) deployment=\(r.pick(["api", "worker", "web"]))"
        case ("pagerduty", _): return "incident=P\(r.hex(6).uppercased())"
        case ("claude-code", "Bash"): return "command=\"\(r.pick(["make test", "git status", "swift build", "curl -s https://status.acme.example", "rm -rf build/"]))\""
        case ("claude-code", "Grep"): return "pattern=\"\(r.pick(["deprecated", "func charge", "retryCount", "HACK"]))\" path=\(r.pick(["src/", "Sources/", "tests/"]))"
        case ("claude-code", "Glob"): return "pattern=\(r.pick(["**/*.swift", "src/**/*.ts", "tests/*.py"]))"
        case ("claude-code", "WebFetch"): return "url=\(r.pick(urls))"
        case ("claude-code", _): return "file_path=\(r.pick(paths))"
        default: return ""
        }
    }

    /// Typical latency of a tool, in milliseconds.
    static func duration(server: String, tool: String, _ r: inout SplitMix64) -> Int64 {
        let base: Int
        switch server {
        case "postgres": base = 35
        case "browser": base = 600
        case "kubernetes": base = 120
        case "filesystem": base = 4
        case "claude-code": base = tool == "Bash" ? 900 : 6
        case "slack": base = 90
        default: base = 180
        }
        // A long tail: most calls near the base, a few several times slower.
        let tail = r.chance(0.05) ? r.range(3...12) : 1
        return Int64(base / 2 + r.int(base + 1)) * Int64(tail)
    }

    static let agentNames = ["planner", "triage-bot", "code-review-agent", "researcher", "deploy-bot", "support-assistant",
                             "data-analyst", "sre-oncall", "release-manager", "test-runner", "log-summarizer",
                             "page-summarizer", "sql-reader", "changelog-writer", "kb-searcher", "chart-maker",
                             "dup-finder", "style-linter", "ticket-escalator", "incident-scribe"]
    static let hosts = ["runner-eu-1", "runner-eu-2", "build-03.ci", "build-04.ci", "analytics-1", "ops-bastion-2",
                        "support-worker-1", "lab-mac-17"]
}
