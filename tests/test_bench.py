"""`python -m snippetgen bench`: what it refuses, in one line, and that `bench service` runs.

Timings are read, never asserted.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from snippetgen import bench
from snippetgen.bench import httpsnippet


def test_against_httpsnippet_without_node_fails_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # no node, no npm
    monkeypatch.setattr(httpsnippet, "HTTPSNIPPET_DIR", tmp_path / "httpsnippet")
    assert bench.main(["--against", "httpsnippet", "--rounds", "1"]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # nothing was timed
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "needs Node.js and npm" in lines[0]
    assert not (tmp_path / "httpsnippet").exists()


def test_bench_refuses_zero_rounds(capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench.main(["--rounds", "0"])
    assert exit_info.value.code == 2
    assert "--rounds and --samples must be at least 1" in capsys.readouterr().err


def test_bench_service_loads_a_service_it_starts_and_stops(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNIPPETGEN_SERVICE_")}
    env["SNIPPETGEN_CACHE_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "snippetgen", "bench", "service", "--seconds", "0.3", "--clients", "2"],
        capture_output=True, text=True, env=env, timeout=180,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["phase", "requests", "req/s", "p50", "ms", "p99", "ms"]
    for phase in ("repeated deployments", "new deployment each request"):
        row = next(line for line in lines if line.startswith(phase))
        assert int(row[len(phase):].split()[0]) > 0  # requests answered 200
    assert "2 keep-alive connections" in lines[-1]


def test_bench_service_refuses_out_of_range_options(capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench.main(["service", "--clients", "0"])
    assert exit_info.value.code == 2
    assert "--clients in [1, 256]" in capsys.readouterr().err
