"""`python -m snippetgen bench`: what rendering costs, side by side in one run.

- panels: the naive path (Jinja + black over every text) against the default
  path for a deployment never rendered before ("new values") and for an
  identical request again ("repeat"), per built-in example;
- `import snippetgen` and the first panel, each in a fresh process;
- the MkDocs plugin's share of building site_example (with against without it);
- with `--against httpsnippet`: a Manual HTTP set (Python requests, curl,
  JavaScript fetch) for the same request, by httpsnippet in Node and by us.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .httpsnippet import against_httpsnippet, install
from .measure import BenchError, target, us
from .processes import docs_builds, fresh_processes
from .renders import BODY_LIMIT, WORST_PANEL_BYTES, WORST_RENDER_SECONDS, panels, worst, worst_request

__all__ = ["BODY_LIMIT", "WORST_PANEL_BYTES", "main", "run", "worst_request"]


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m snippetgen bench ARGS`: the options are declared with the other commands."""
    from ..cli import main as cli

    return cli(["bench", *(sys.argv[1:] if argv is None else argv)])


def run(args: argparse.Namespace) -> int:
    """The bench with the options `python -m snippetgen bench` parsed."""
    try:
        if args.against:
            install()  # fails early, before any timing, when Node is missing
        results = panels(args.profile, args.rounds, args.samples)
        print()
        print("The most expensive requests under the 1 MiB body limit (PettingZoo at every space budget):")
        slowest, largest = worst(args.samples), worst(args.samples, longest_values=True)
        results.update(
            worst_new=max(slowest["worst_new"], largest["worst_new"]),
            worst_bytes=max(slowest["worst_bytes"], largest["worst_bytes"]),
        )
        print()
        results.update(fresh_processes(args.rounds))
        print()
        share = docs_builds(args.rounds)
        versus = None
        if args.against:
            print()
            versus = against_httpsnippet(args.samples)
    except BenchError as exc:
        print(f"snippetgen bench: {exc}", file=sys.stderr)
        return 2

    print()
    print("targets")
    target("new-values panel >= 150x faster than naive", f"{results['ratio']:.0f}x", results["ratio"] >= 150)
    target("repeat p50 <= 20 µs", us(results["repeat"]), results["repeat"] <= 20e-6)
    target(
        "worst request: new values <= 100 ms",
        f"{results['worst_new'] * 1e3:.1f} ms",
        results["worst_new"] <= WORST_RENDER_SECONDS,
    )
    target(
        "worst request: panel <= 768 KB",
        f"{results['worst_bytes'] / 1000:.0f} KB",
        results["worst_bytes"] <= WORST_PANEL_BYTES,
    )
    target(
        "import <= 100 ms, no black/numpy/pygments",
        f"{results['import']:.1f} ms",
        results["import"] <= 100 and not results["heavy"],
    )
    target("first panel in a new process <= 300 ms", f"{results['cold']:.1f} ms", results["cold"] <= 300)
    if share is not None:
        target("MkDocs plugin: load + hooks <= 300 ms", f"{share * 1000:.0f} ms", share <= 0.3)
    if versus is not None:
        for label, ratio in (("same request", versus["same"]), ("new values", versus["fresh"])):
            target(f"faster than httpsnippet per set, {label}", f"{ratio:.2f}x its time", ratio < 1)
    return 0
