"""Load through `warden serve`: SESSIONS concurrent sessions, CALLS tools/call `echo` each.

Usage: load.py URL SESSIONS CALLS TOKENS_JSON   (TOKENS_JSON: a file of [[agent, token], ...];
session i uses pair i mod n). Each call echoes `AGENT-SESSION-CALL`, so the store can be checked
for lost or misattributed calls; the answer must carry the request's id and its own text.
Prints {"errors": N, "first": [...]}.
"""
import sys, os, json, threading, httpx2
url, sessions, calls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
tokens = json.loads(open(sys.argv[4]).read())  # list of (agent, token)
errors = []
def run(i):
    agent, tok = tokens[i % len(tokens)]
    h = {"accept": "application/json", "content-type": "application/json", "authorization": f"Bearer {tok}"}
    with httpx2.Client(timeout=60) as c:
        r = c.post(url, json={"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"l","version":"1"}}}, headers=h)
        h["mcp-session-id"] = r.headers["mcp-session-id"]
        c.post(url, json={"jsonrpc":"2.0","method":"notifications/initialized"}, headers=h)
        for k in range(calls):
            r = c.post(url, json={"jsonrpc":"2.0","id":k+1,"method":"tools/call","params":{"name":"echo","arguments":{"text":f"{agent}-{i}-{k}"}}}, headers=h)
            body = r.json()
            if body.get("id") != k+1 or f"{agent}-{i}-{k}" not in json.dumps(body):
                errors.append((i, k, r.status_code, r.text[:200]))
        c.delete(url, headers=h)
ts = [threading.Thread(target=run, args=(i,)) for i in range(sessions)]
[t.start() for t in ts]; [t.join() for t in ts]
print(json.dumps({"errors": len(errors), "first": errors[:3]}))
