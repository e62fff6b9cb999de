"""Outbox in an asyncio application: capture calls never block (they only
queue), and flushing is awaited on asyncio's executor, so the event loop keeps
serving while delivery completes.

    python async_app.py http://127.0.0.1:8799
"""

import asyncio
import sys

import outbox


async def main(endpoint: str) -> None:
    async with outbox.Client(endpoint) as client:
        for i in range(10):
            client.track("user-42", "Page Scrolled", {"depth": i * 10})
        result = await client.aflush(timeout=5)
        print("delivered", result.delivered, "pending", result.pending)


asyncio.run(main(sys.argv[1]))
