"""The official MCP Python SDK's Streamable HTTP client, driven through `warden serve`.

Usage: client.py URL [--mode legacy|auto] [--list] [--call TOOL ARGS_JSON]... [--pause FILE]
The Warden token comes from $WARDEN_TOKEN and is sent as `Authorization: Bearer …`.
`--pause FILE` waits (after the steps before it) until FILE exists: a test revokes meanwhile.
Prints one JSON object: {"tools": [...], "calls": [{"tool", "text" | "error": {code, message, data}}]}.
"""

import argparse
import asyncio
import json
import os
import sys

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError


async def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--mode", default="auto")
    p.add_argument("--step", action="append", nargs="+", default=[])
    a = p.parse_args()
    headers = {"Authorization": f"Bearer {os.environ['WARDEN_TOKEN']}"}
    out: dict = {"calls": []}
    done = False
    try:
        await run(a, headers, out)
        done = True
    except BaseException:  # anyio groups a cancellation with the error
        # A service that stopped (the SIGTERM test) may refuse the closing DELETE: the steps'
        # results stand once every step ran.
        if not out.get("finished"):
            raise
    out["closed_cleanly"] = done
    print(json.dumps(out), flush=True)


async def run(a, headers, out) -> None:
    async with httpx2.AsyncClient(headers=headers, timeout=60) as http:
        async with Client(streamable_http_client(a.url, http_client=http), mode=a.mode) as client:
            for step in a.step:
                if step[0] == "list":
                    out["tools"] = sorted(t.name for t in (await client.list_tools()).tools)
                elif step[0] == "call":
                    try:
                        r = await client.call_tool(step[1], json.loads(step[2]) if len(step) > 2 else {})
                        out["calls"].append({"tool": step[1], "text": "".join(getattr(c, "text", "") for c in r.content),
                                             "is_error": bool(r.is_error)})
                    except MCPError as e:
                        out["calls"].append({"tool": step[1], "error": {"code": e.error.code, "message": e.error.message,
                                                                        "data": e.error.data}})
                elif step[0] == "pause":
                    print(json.dumps({"paused": True}), flush=True)
                    while not os.path.exists(step[1]):
                        await asyncio.sleep(0.02)
            out["finished"] = True


if __name__ == "__main__":
    asyncio.run(main())
