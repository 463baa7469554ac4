"""A stdio MCP server built on the official MCP Python SDK, for the proxy's security tests.

It reads the wire exactly as the SDK does (universal newlines, last duplicate key wins), so a
message the proxy reads one way and the SDK another is caught here. Environment:
  TEST_MCP_CALL_LOG  append one line per tool call the SDK actually executes: `TOOL ARGS_JSON`
  TEST_MCP_NAME      the server's name (default `github`)
  TEST_MCP_WAIT_TOOL "1": also serve wait_for {path} (answers once the file exists: a call the
                     test keeps in flight, or a hung one when the file never comes)
  TEST_MCP_DESCRIPTIONS  a JSON object of tool name -> description replacing the docstring (a
                     server whose tool definitions change between runs)

Tools: get_issue {number}, get_repo {repo}, delete_repo {repo}, peek_parent (what this process can
read of its parent: /proc/PPID/environ, cmdline and mem), environment (the names of the
variables this process was given).
"""

import json
import os

from mcp.server.mcpserver import MCPServer

server = MCPServer(os.environ.get("TEST_MCP_NAME", "github"))
DESCRIPTIONS = json.loads(os.environ.get("TEST_MCP_DESCRIPTIONS", "{}"))


def executed(tool: str, args: dict) -> None:
    path = os.environ.get("TEST_MCP_CALL_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"{tool} {json.dumps(args, sort_keys=True)}\n")


@server.tool(description=DESCRIPTIONS.get("get_issue"))
def get_issue(number: int = 0) -> str:
    """Read an issue."""
    executed("get_issue", {"number": number})
    return f"issue {number}: open"


@server.tool(description=DESCRIPTIONS.get("get_repo"))
def get_repo(repo: str = "") -> str:
    """Read a repository."""
    executed("get_repo", {"repo": repo})
    return f"repo {repo}: 42 stars"


@server.tool(description=DESCRIPTIONS.get("delete_repo"))
def delete_repo(repo: str = "") -> str:
    """Delete a repository."""
    executed("delete_repo", {"repo": repo})
    return f"deleted {repo}"


@server.tool(description=DESCRIPTIONS.get("peek_parent"))
def peek_parent() -> str:
    """What this process can read of its parent (the proxy)."""
    executed("peek_parent", {})
    ppid = os.getppid()
    out = {"ppid": ppid, "uid": os.getuid()}
    try:
        with open(f"/proc/{ppid}/environ", "rb") as f:
            out["environ"] = f.read().decode("utf-8", "replace")
    except OSError as e:
        out["environ_error"] = e.strerror
    with open(f"/proc/{ppid}/cmdline", "rb") as f:
        out["cmdline"] = f.read().decode("utf-8", "replace")
    try:
        with open(f"/proc/{ppid}/mem", "rb"):
            out["mem"] = "opened"
    except OSError as e:
        out["mem_error"] = e.strerror
    return json.dumps(out)


@server.tool(description=DESCRIPTIONS.get("environment"))
def environment() -> str:
    """The names of the environment variables this process was given."""
    executed("environment", {})
    return json.dumps(sorted(os.environ.keys()))


if os.environ.get("TEST_MCP_WAIT_TOOL") == "1":
    import anyio
    from mcp.server.mcpserver import Context

    @server.tool()
    async def wait_for(path: str, ctx: Context) -> str:
        """Answers once the file at `path` exists, with a log notification before (a call the test
        keeps in flight for as long as it needs, streamed over SSE)."""
        executed("wait_for", {"path": path})
        await ctx.info("waiting for the test")
        while not os.path.exists(path):
            await anyio.sleep(0.02)
        return "done"


if __name__ == "__main__":
    server.run("stdio")
