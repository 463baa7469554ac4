"""Latency of tools/call through `warden serve`, for BENCHMARKS.md (not a test).

Usage: bench.py URL N [--direct URL2]
One session, one call in flight, raw JSON-RPC over one keep-alive connection (httpx2), the
token from $WARDEN_TOKEN. Measures an allowed `echo` (answered by the upstream) and a denied
`delete_repo` (answered by the gateway alone), and with --direct the same echo sent straight
to URL2 (an HTTP upstream) for the added latency. Prints p50/p99 in microseconds as JSON.
"""

import json
import os
import sys
import time

import httpx2


def session(client: httpx2.Client, url: str, headers: dict) -> dict:
    init = {"jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}}
    r = client.post(url, json=init, headers=headers)
    h = dict(headers)
    if "mcp-session-id" in r.headers:
        h["mcp-session-id"] = r.headers["mcp-session-id"]
    h["mcp-protocol-version"] = "2025-06-18"
    client.post(url, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=h)
    return h


def measure(client: httpx2.Client, url: str, headers: dict, tool: str, args: dict, n: int) -> list:
    out = []
    for i in range(n):
        body = {"jsonrpc": "2.0", "id": i + 1, "method": "tools/call", "params": {"name": tool, "arguments": args}}
        t = time.perf_counter_ns()
        r = client.post(url, json=body, headers=headers)
        r.read()
        out.append((time.perf_counter_ns() - t) / 1000)
    return sorted(out)


def pct(xs: list, p: float) -> float:
    return round(xs[min(len(xs) - 1, int(len(xs) * p))], 1)


def main() -> None:
    url, n = sys.argv[1], int(sys.argv[2])
    base = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
    result = {}
    with httpx2.Client(timeout=60) as c:
        h = session(c, url, {**base, "authorization": f"Bearer {os.environ['WARDEN_TOKEN']}"})
        measure(c, url, h, "echo", {"text": "warm"}, 50)
        allowed = measure(c, url, h, "echo", {"text": "x" * 64}, n)
        denied = measure(c, url, h, "delete_repo", {"repo": "acme/prod"}, n)
        result["gateway_allowed_us"] = {"p50": pct(allowed, 0.5), "p99": pct(allowed, 0.99)}
        result["gateway_denied_us"] = {"p50": pct(denied, 0.5), "p99": pct(denied, 0.99)}
        if "--direct" in sys.argv:
            durl = sys.argv[sys.argv.index("--direct") + 1]
            d = session(c, durl, base)
            measure(c, durl, d, "echo", {"text": "warm"}, 50)
            direct = measure(c, durl, d, "echo", {"text": "x" * 64}, n)
            result["direct_us"] = {"p50": pct(direct, 0.5), "p99": pct(direct, 0.99)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
