"""`python -m snippetgen bench`: what it refuses, in one line. (Timings are read, never asserted.)"""

from __future__ import annotations

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
