"""`python -m snippetgen`: preview, JSON, rules, and one-line errors that never show the key."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys

import pytest

from snippetgen.examples import examples
from snippetgen.languages import LANGUAGES
from snippetgen.rules import rule_table

MANUAL_HTTP = tuple(rule_table().tabs["manual_http"].languages)

FAKE_KEY = "fake-cli-key-0123456789"


def run(*args, stdin=None, env_extra=None):
    import os

    env = {k: v for k, v in os.environ.items() if k != "ARENA_API_KEY"}
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "snippetgen", *args], capture_output=True, text=True, input=stdin, env=env
    )


def test_first_run_shows_one_panel_on_one_screen_then_the_other_situations():
    result = run()
    assert result.returncode == 0, result.stderr
    # The JavaScript tab is Prettier-formatted, so it is the longest of the three shown.
    assert len(result.stdout.splitlines()) <= 170
    first, *others = examples()
    assert f"# {first.name} ·" in result.stdout
    shown, named = MANUAL_HTTP[:3], MANUAL_HTTP[3:]
    for tab in ("## Arena client · python", "## Arena CLI · shell",
                *(f"## Manual HTTP · {language}" for language in shown)):
        assert tab in result.stdout
    headings = result.stdout.splitlines()
    for language in named:
        assert f"## Manual HTTP · {language}" not in headings
    titles = ", ".join(LANGUAGES[language].title for language in named)
    assert f"## Manual HTTP in {titles} too: --tab manual_http --language {named[0]}" in result.stdout
    for deployment in others:
        assert f"# {deployment.name} ·" not in result.stdout
        assert f"  {deployment.situation} " in result.stdout
    assert "--situation NAME" in result.stdout and "--all" in result.stdout
    assert first.api_key.get_secret_value() not in result.stdout
    assert result.stderr == ""


def test_all_previews_every_built_in_example_plain_when_piped():
    result = run("--all")
    assert result.returncode == 0, result.stderr
    assert "\x1b[" not in result.stdout
    for deployment in examples():
        assert f"# {deployment.name} ·" in result.stdout
        assert deployment.api_key.get_secret_value() not in result.stdout
    assert "## Chat playground (default tab)" in result.stdout
    assert "Other situations" not in result.stdout
    assert result.stderr == ""


def test_an_llm_preview_labels_each_stream_snippet_and_says_the_playground_streams():
    result = run("--situation", "llm")
    assert result.returncode == 0, result.stderr
    headings = [line for line in result.stdout.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Chat playground (default tab)",
        "## Arena client · python",
        "## Arena client · python · stream",
        "## Arena CLI · shell",
        *(f"## Manual HTTP · {language}" for language in MANUAL_HTTP),
        *(f"## Manual HTTP · {language} · stream" for language in MANUAL_HTTP),
    ]
    assert "/generate_stream (streamed: plain-text chunks" in result.stdout


def test_color_always_highlights():
    assert "\x1b[" in run("--situation", "gym", "--color", "always").stdout


def test_one_tab_one_language():
    result = run("--situation", "gym", "--tab", "arena_cli", "--language", "shell")
    assert result.returncode == 0
    assert "arena login" in result.stdout and "requests" not in result.stdout


def test_json_is_the_panel():
    result = run("--situation", "llm", "--json")
    panels = json.loads(result.stdout)
    assert [p["default_tab"] for p in panels] == ["chat_playground"]


def test_deployment_file_with_key_from_environment(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"name": "mine", "algorithm": "DQN", "env_type": "gym", "endpoint": "https://x.example.com"}))
    result = run("--deployment", str(path), "--json", env_extra={"ARENA_API_KEY": FAKE_KEY})
    assert result.returncode == 0, result.stderr
    panel = json.loads(result.stdout)
    assert panel["deployment_name"] == "mine" and panel["snippets_unavailable"] is None
    shown = run("--deployment", str(path), env_extra={"ARENA_API_KEY": FAKE_KEY})
    assert FAKE_KEY not in shown.stdout


@pytest.mark.parametrize(
    "args, stdin, fragment",
    [
        (["--deployment", "-"], '{"name": "x", "algorithm": "PPO", "env_type": "gym", "endpoint": "ftp://h", "api_key": "%s"}' % FAKE_KEY, "endpoint: must start with http"),
        (["--deployment", "-"], '{"name": "x", "algorithm": "PPO", "env_type": "gym", "api_key": "bad key %s"}' % FAKE_KEY, "api_key: must be printable ASCII"),
        (["--deployment", "-"], "{not json", "not JSON"),
        (["--deployment", "/nonexistent/d.json"], None, "No such file"),
        (["--name", "x", "--algorithm", "GRPO", "--env-type", "gym"], None, "'GRPO'"),
        (["--situation", "gym", "--tab", "arena_cli", "--language", "python"], None, "no 'python' snippet"),
        (["--profile", "nope"], None, "unknown profile"),
        (["--all", "--situation", "gym"], None, "--all shows every one"),
        (["--all", "--name", "x", "--algorithm", "PPO", "--env-type", "gym"], None, "cannot be combined"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, stdin, fragment):
    result = run(*args, stdin=stdin)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("snippetgen: "), result.stderr
    assert fragment in lines[0]
    assert FAKE_KEY not in result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_commands():
    result = run("--help")
    assert result.returncode == 0
    for command in ("rules", "sandbox", "bench"):
        assert command in result.stdout


def test_version():
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"snippetgen {importlib.metadata.version('snippetgen')}"


def test_rules_prints_matrix():
    result = run("rules")
    assert result.returncode == 0 and "every cell covered exactly once" in result.stdout


def test_bench_runs_both_paths():
    result = run("bench", "--rounds", "1", "--samples", "50")
    assert result.returncode == 0, result.stderr
    assert "naive ms" in result.stdout and "outputs are identical" in result.stdout
