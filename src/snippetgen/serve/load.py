"""`python -m snippetgen bench service`: panel requests per second one service worker sustains.

Starts `python -m snippetgen serve --port 0` (one worker) and loads it from this
process over loopback with httpx's keep-alive connections, for a bounded time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import time

import httpx

from ..examples import examples

READY_SECONDS = 60
REQUEST_SECONDS = 30
_JSON = {"Content-Type": "application/json"}


def _bodies(fresh: bool, count: int) -> list[bytes]:
    """Panel request bodies: the examples over and over, or a new name every time."""
    deployments = [json.loads(d.model_dump_json(exclude={"api_key"})) for d in examples()]
    bodies = []
    for i in range(count):
        data = dict(deployments[i % len(deployments)])
        data["api_key"] = f"bench-key-{i % len(deployments)}-0123456789abcdef"
        if fresh:
            data["name"] = f"{data['name']}-{i}"
        bodies.append(json.dumps({"deployment": data}).encode())
    return bodies


async def _client(
    client: httpx.AsyncClient, bodies: list[bytes], deadline: float, latencies: list[float], errors: list[int]
) -> None:
    i = 0
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        response = await client.post("/v1/panel", content=bodies[i % len(bodies)], headers=_JSON)
        i += 1
        if response.status_code != 200:
            errors.append(response.status_code)
        latencies.append(time.perf_counter() - start)


async def _load(
    port: int, bodies: list[bytes], clients: int, seconds: float
) -> tuple[list[float], list[int]]:
    latencies: list[float] = []
    errors: list[int] = []
    share = [bodies[i::clients] or bodies for i in range(clients)]
    async with contextlib.AsyncExitStack() as stack:
        # A client each, so one keep-alive connection each (a shared pool serializes them
        # on its lock), made before the clock starts; every request is bounded in time, and
        # goes to loopback whatever proxy the environment names.
        each = [
            await stack.enter_async_context(
                httpx.AsyncClient(
                    base_url=f"http://127.0.0.1:{port}",
                    limits=httpx.Limits(max_connections=1),
                    timeout=REQUEST_SECONDS,
                    trust_env=False,
                )
            )
            for _ in share
        ]
        deadline = time.perf_counter() + seconds
        await asyncio.gather(
            *(_client(c, part, deadline, latencies, errors) for c, part in zip(each, share, strict=True))
        )
    return latencies, errors


def _start() -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen(
        [sys.executable, "-m", "snippetgen", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "SNIPPETGEN_SERVICE_TOKEN"},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if "listening on" not in line:
        process.kill()
        raise SystemExit(f"the service did not start: {line!r}")
    url = line.split("listening on ")[1].split()[0]
    deadline = time.monotonic() + READY_SECONDS
    while True:
        try:
            httpx.get(url + "v1/schema/panel", timeout=5, trust_env=False)
            break
        except httpx.TransportError:
            if time.monotonic() > deadline:
                process.kill()
                raise SystemExit("the service never answered") from None
            time.sleep(0.1)
    return process, int(url.rstrip("/").rsplit(":", 1)[1])


def run(args: argparse.Namespace) -> int:
    """The load test with the options `python -m snippetgen bench service` parsed."""
    process, port = _start()
    try:
        print(f"{'phase':28} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
        for phase, fresh in (("repeated deployments", False), ("new deployment each request", True)):
            # Enough new names that none repeats within the phase.
            bodies = _bodies(fresh, int(args.seconds * 5000) if fresh else 6)
            asyncio.run(_load(port, bodies[:6], args.clients, min(1.0, args.seconds)))  # warm-up
            latencies, errors = asyncio.run(_load(port, bodies[6:] or bodies, args.clients, args.seconds))
            if errors:
                print(f"{phase}: {len(errors)} requests failed (status {sorted(set(errors))})")
                return 1
            latencies.sort()
            p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
            print(
                f"{phase:28} {len(latencies):9d} {len(latencies) / args.seconds:8.0f} "
                f"{statistics.median(latencies) * 1000:8.1f} {p99 * 1000:8.1f}"
            )
        print(f"one worker, {args.clients} keep-alive connections on loopback, {args.seconds:g} s per phase")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=READY_SECONDS)
    return 0
