#!/usr/bin/env python3
"""Drives an HTTP endpoint with many concurrent keep-alive clients.

usage: load.py PORT CONNECTIONS REQUESTS_PER_CONNECTION [TOKEN]
Prints one JSON line: {"requests": N, "ok": N, "errors": {...}, "seconds": S}.
Every connection is opened first (open_at_once counts them), then each sends its
requests one after the other, cycling through /metrics, /api/processes, /health and
/api/connections.
"""
import asyncio
import json
import sys
import time

PATHS = ["/metrics", "/api/processes?sort=mq&limit=20", "/health", "/api/connections"]


def arrived(results, start, conns):
    results["arrived"] += 1
    if results["arrived"] == conns:
        start.set()


async def client(port, count, token, start, results, conns):
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError as e:
        key = f"connect: {e.__class__.__name__}"
        results["errors"][key] = results["errors"].get(key, 0) + count
        arrived(results, start, conns)
        return
    results["open_at_once"] += 1
    arrived(results, start, conns)
    await start.wait()  # every connection is open before any request goes
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    try:
        for i in range(count):
            path = PATHS[i % len(PATHS)]
            writer.write(f"GET {path} HTTP/1.1\r\nHost: load\r\n{auth}\r\n".encode())
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            results["requests"] += 1
            if status == 200:
                results["ok"] += 1
            else:
                results["errors"][str(status)] = results["errors"].get(str(status), 0) + 1
    except (OSError, asyncio.IncompleteReadError, ValueError) as e:
        results["errors"][e.__class__.__name__] = results["errors"].get(e.__class__.__name__, 0) + 1
    finally:
        writer.close()


async def main():
    port, conns, per = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    token = sys.argv[4] if len(sys.argv) > 4 else None
    results = {"requests": 0, "ok": 0, "errors": {}, "arrived": 0, "open_at_once": 0}
    start = asyncio.Event()
    t0 = time.monotonic()
    await asyncio.gather(*[client(port, per, token, start, results, conns) for _ in range(conns)])
    results["seconds"] = round(time.monotonic() - t0, 3)
    print(json.dumps(results))


asyncio.run(main())
