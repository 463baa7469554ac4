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
os.environ["TEST_MCP_WAIT_TOOL"] = "1"  # wait_for, for calls the tests keep in flight
from server import server  # noqa: E402  (the same tools as the stdio server)

from mcp.server.transport_security import TransportSecuritySettings  # noqa: E402


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
