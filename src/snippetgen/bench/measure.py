"""What the bench measures with: medians of timed calls, fresh processes, new values."""

from __future__ import annotations

import itertools
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import SecretStr

from ..deployment import Deployment

_fresh_ids = itertools.count()


class BenchError(Exception):
    """A measurement that cannot run here, in one line."""


def fresh(deployment: Deployment) -> Deployment:
    """The same deployment with a name, endpoint and key never rendered before."""
    n = next(_fresh_ids)
    assert deployment.api_key is not None and deployment.endpoint is not None
    return deployment.model_copy(
        update={
            "name": f"{deployment.name}-{n}",
            "endpoint": f"{deployment.endpoint}-{n}",
            "api_key": SecretStr(f"{deployment.api_key.get_secret_value()}-{n:08d}"),
        }
    )


def p50(run: Callable[[], object], times: int) -> float:
    """Median seconds of `times` calls."""
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def p50_each(run: Callable[[Any], object], deployments: Sequence[Any]) -> float:
    """Median seconds of one call per deployment (or its fields)."""
    samples = []
    for deployment in deployments:
        start = time.perf_counter()
        run(deployment)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run_python(code: str, env: dict[str, str] | None = None, args: Sequence[str] = ()) -> str:
    """Run `code` in a new interpreter with bytecode cached, as pip installs a package: with
    PYTHONDONTWRITEBYTECODE set, every process would compile the package's sources again."""
    env = dict(os.environ if env is None else env)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=False
    )
    if result.returncode != 0:
        raise BenchError(f"a fresh process failed: {result.stderr.strip().splitlines()[-1:]}")
    return result.stdout.strip()


def us(value: float) -> str:
    return f"{value * 1e6:.1f} µs"


def target(what: str, value: str, ok: bool) -> None:
    print(f"  {what:48} {value:>16}  {'met' if ok else 'MISSED'}")
