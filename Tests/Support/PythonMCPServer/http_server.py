"""The stdio test server's tools (server.py) served over Streamable HTTP by the official MCP
Python SDK, as an upstream of `warden serve`.

Listens on 127.0.0.1, a free port, and prints `listening on 127.0.0.1:PORT`. Environment:
  TEST_MCP_CALL_LOG     as in server.py: one line per tool call the SDK executes
  TEST_MCP_HEADER_LOG   append the headers of every request, one JSON object per line (the test
                        checks that the gateway never passes the client's Warden token on)
  TEST_MCP_JSON         "1": answer POSTs with JSON instead of SSE streams
"""

import json
import os
import socket
import sys

import uvicorn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server import server  # noqa: E402  (the same tools as the stdio server)

import anyio  # noqa: E402
from mcp.server.mcpserver import Context  # noqa: E402
from mcp.server.transport_security import TransportSecuritySettings  # noqa: E402
from server import executed  # noqa: E402


@server.tool()
async def wait_for(path: str, ctx: Context) -> str:
    """Answers once the file at `path` exists, with a log notification before (a call the test
    keeps in flight for as long as it needs, streamed over SSE)."""
    executed("wait_for", {"path": path})
    await ctx.info("waiting for the test")
    while not os.path.exists(path):
        await anyio.sleep(0.02)
    return "done"


def log_headers(app):
    path = os.environ.get("TEST_MCP_HEADER_LOG")

    async def wrapped(scope, receive, send):
        if path and scope["type"] == "http":
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            with open(path, "a", encoding="utf-8") as f:
                f.write(json.dumps({"method": scope["method"], "headers": headers}) + "\n")
        await app(scope, receive, send)

    return wrapped


def main() -> None:
    app = server.streamable_http_app(
        json_response=os.environ.get("TEST_MCP_JSON") == "1",
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    print(f"listening on 127.0.0.1:{sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(log_headers(app), log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
