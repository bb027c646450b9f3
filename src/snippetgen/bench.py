"""`python -m snippetgen bench`: the cost of rendering whole panels, cached vs. naive black."""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence

from .examples import examples
from .panel import render_panel


def _time(render, rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        render()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m snippetgen bench",
        description=(
            "Render the panel of each built-in example deployment with black's output "
            "cached per template (fast) and with black run over every render (naive); "
            "print both and their ratio. Outputs are checked to be identical."
        ),
    )
    parser.add_argument("--rounds", type=int, default=20, help="renders per panel and path (default: 20)")
    parser.add_argument("--profile", default="documented", help="client profile (default: documented)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    print(f"{'panel':20} {'naive ms':>10} {'fast ms':>10} {'new values':>10} {'ratio':>7}")
    fast_total = naive_total = 0.0
    for deployment in examples():
        fast = lambda: render_panel(deployment, profile=args.profile)  # noqa: E731
        naive = lambda: render_panel(deployment, profile=args.profile, black_cache=False)  # noqa: E731
        if fast() != naive():
            print(f"{deployment.situation}: the cached and naive outputs differ")
            return 1
        # Values never rendered before still hit the cache: constants are not part of
        # the cached template text.
        fresh = deployment.model_copy(update={"name": f"{deployment.name}-{time.time_ns()}"})
        new_values = _time(lambda: render_panel(fresh, profile=args.profile), 1)[0]
        naive_ms = statistics.median(_time(naive, args.rounds))
        fast_ms = statistics.median(_time(fast, args.rounds))
        fast_total += fast_ms
        naive_total += naive_ms
        print(f"{deployment.situation:20} {naive_ms:10.2f} {fast_ms:10.2f} {new_values:10.2f} {naive_ms / fast_ms:6.1f}x")
    print(f"{'all panels':20} {naive_total:10.2f} {fast_total:10.2f} {'':>10} {naive_total / fast_total:6.1f}x")
    print(f"ms per panel, median of {args.rounds} renders; 'new values' is one render of a")
    print("deployment never rendered before; outputs are identical on both paths")
    return 0
