"""The stream variant, executed: each stream snippet prints chunks as they arrive.

The sandbox holds a stream's last chunk back until the test releases it
(`Sandbox.streams.hold_last`), so "the first chunk is printed while the last one is
still held back" is a fact the test observes, not a timing. Each snippet is saved to
a file in an empty folder and run with its real interpreter (python, bash with curl,
node), as in tests/test_manual_http_languages.py.

The documented Arena client is not released (tests/test_documented_client.py): its
stream cell runs with a stand-in `agilerl.arena.client` beside it whose
`ensure_inference_binding` looks the deployment up on the sandbox's platform API,
so the snippet's own streaming code is what runs.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from pydantic import SecretStr

from snippetgen import render_snippet
from snippetgen.examples import example_deployment
from snippetgen.render import DEFAULT_PROMPT, GENERATE_PARAMS
from snippetgen.rules import rule_table
from snippetgen.sandbox import Sandbox
from snippetgen.sandbox.answers import completion
from snippetgen.sandbox.stream import error_chunk
import builds
from toolchains import environment

STREAM_CELLS = sorted(cell[:4] for cell in rule_table().all_cells() if cell[4] == "stream")
# Generous: how long a test waits for output that should come at once.
WAIT = 120
COMPLETION = completion(DEFAULT_PROMPT)
WORDS = COMPLETION.split(" ")
FIRST, LAST = WORDS[0], WORDS[-1]
ERROR = "the model ran out of memory"

STAND_IN_CLIENT = '''\
"""A stand-in for the documented client: the binding comes from the platform API."""
import os

import requests


class ArenaClient:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def login(self):
        return None

    def ensure_inference_binding(self, name):
        row = requests.get(
            os.environ["ARENA_BASE_URL"] + "/api/cli/v1/inference/deployments/one",
            params={"name": name},
            headers={"Authorization": "Bearer " + os.environ["ARENA_API_KEY"]},
            timeout=30,
        ).json()
        return row["url"], row["api_key"]
'''


def test_there_is_a_stream_cell_per_code_tab_language_of_the_llm_situation():
    table = rule_table()
    expected = {
        (profile, "llm", tab, language)
        for profile in table.profiles
        for tab in table.variants["stream"].tabs
        for language in table.tabs[tab].languages
    }
    assert set(STREAM_CELLS) == expected


class Running:
    """A snippet running in its own folder; its stdout read as it comes."""

    def __init__(self, cell, snippet, sandbox: Sandbox, folder: Path):
        profile, _, tab, language = cell
        path = folder / snippet.filename
        command = builds.command(language, snippet.copy_code, path)
        if tab == "arena_client" and profile == "documented":
            package = folder / "agilerl" / "arena"
            package.mkdir(parents=True)
            (folder / "agilerl" / "__init__.py").write_text("")
            (package / "__init__.py").write_text("")
            (package / "client.py").write_text(STAND_IN_CLIENT)
        # No proxy variables: requests to 127.0.0.1 must not leave the machine.
        env = {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(folder),
            "LANG": "C.UTF-8",
            "ARENA_BASE_URL": sandbox.base_url,
            "ARENA_API_KEY": sandbox.user_key,
            "PYTHONIOENCODING": "utf-8",
            **environment(language),
        }
        self.process = subprocess.Popen(
            command, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self._out = bytearray()
        self._err = bytearray()
        self._lock = threading.Lock()
        # One reader per pipe, and nobody else reads them.
        self._readers = [
            threading.Thread(target=self._read, args=(pipe, buffer), daemon=True)
            for pipe, buffer in ((self.process.stdout, self._out), (self.process.stderr, self._err))
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, pipe, buffer: bytearray) -> None:
        while data := os.read(pipe.fileno(), 65536):
            with self._lock:
                buffer += data

    @property
    def stdout(self) -> str:
        with self._lock:
            return self._out.decode("utf-8", "replace")

    def wait_for(self, text: str) -> None:
        end = time.monotonic() + WAIT
        while text not in self.stdout:
            if self.process.poll() is not None or time.monotonic() > end:
                status, stdout, stderr = self.finish()
                pytest.fail(f"{text!r} never printed (exit {status}):\n{stdout}\n{stderr}")
            time.sleep(0.01)

    def finish(self) -> tuple[int, str, str]:
        """Wait for the exit (killing a hung snippet at the bound): status, stdout, stderr."""
        try:
            self.process.wait(WAIT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for reader in self._readers:
            reader.join(WAIT)
        with self._lock:
            stderr = self._err.decode("utf-8", "replace")
        return self.process.returncode, self.stdout, stderr


def render(cell, deployment, **options):
    profile, _, tab, language = cell
    return render_snippet(deployment, tab, language=language, profile=profile, variant="stream", **options)


@pytest.mark.parametrize("cell", STREAM_CELLS, ids="/".join)
def test_prints_its_first_chunk_while_the_last_one_is_held_back(cell, sandbox, tmp_path):
    deployment = sandbox.deployment(example_deployment("llm").name)
    sandbox.clear()
    with sandbox.streams.hold_last() as release:
        running = Running(cell, render(cell, deployment), sandbox, tmp_path)
        running.wait_for(FIRST)
        # The stream is open: the last chunk has not been sent, so it cannot be printed.
        assert LAST not in running.stdout
        assert running.process.poll() is None
        release.set()
        status, stdout, stderr = running.finish()
    assert status == 0, stdout + stderr
    assert COMPLETION in stdout
    (call,) = [r for r in sandbox.received if r.deployment is not None and r.path.endswith("/generate_stream")]
    assert call.status == 200
    assert call.body == {"prompt": DEFAULT_PROMPT, "params": GENERATE_PARAMS}


@pytest.mark.parametrize("cell", STREAM_CELLS, ids="/".join)
def test_an_error_chunk_is_printed_and_the_snippet_exits_non_zero(cell, sandbox, tmp_path):
    deployment = sandbox.deployment(example_deployment("llm").name)
    with sandbox.streams.failing(ERROR):
        status, stdout, stderr = Running(cell, render(cell, deployment), sandbox, tmp_path).finish()
    assert status != 0, stdout + stderr
    assert FIRST in stdout, "the chunks before the error are printed"
    assert error_chunk(ERROR).strip() in stdout + stderr
    assert LAST not in stdout


MANUAL_HTTP = [cell for cell in STREAM_CELLS if cell[2] == "manual_http"]


@pytest.mark.parametrize("cell", MANUAL_HTTP, ids="/".join)
def test_a_refused_key_is_printed_and_the_snippet_exits_non_zero(cell, sandbox, tmp_path):
    deployment = sandbox.deployment(example_deployment("llm").name)
    wrong = deployment.model_copy(update={"api_key": SecretStr("fake-wrong-key-0000000000")})
    status, stdout, stderr = Running(cell, render(cell, wrong), sandbox, tmp_path).finish()
    assert status != 0
    assert "401" in stdout + stderr and "Invalid or expired API key" in stdout + stderr
    assert FIRST not in stdout


# ---------------------------------------------------------------- the sandbox's side


def stream_request(sandbox: Sandbox, prompt: str = "hello") -> requests.Response:
    deployment = sandbox.deployment(example_deployment("llm").name)
    return requests.post(
        f"{deployment.endpoint}/generate_stream",
        json={"prompt": prompt},
        headers={"Authorization": f"Bearer {deployment.api_key.get_secret_value()}"},
        stream=True,
        timeout=WAIT,
    )


def test_the_sandbox_sends_one_http_chunk_per_word_and_holds_the_last(sandbox):
    expected = completion("hello").split(" ")
    with sandbox.streams.hold_last() as release:
        with stream_request(sandbox) as response:
            chunks = response.iter_content(chunk_size=None, decode_unicode=False)
            got = [next(chunks).decode() for _ in expected[:-1]]
            assert got == [word + " " for word in expected[:-1]]
            release.set()
            assert [chunk.decode() for chunk in chunks] == [expected[-1]]


def test_a_failing_stream_ends_with_one_error_chunk(sandbox):
    with sandbox.streams.failing(ERROR), stream_request(sandbox) as response:
        chunks = [chunk.decode() for chunk in response.iter_content(chunk_size=None)]
    assert response.status_code == 200
    assert chunks[-1] == error_chunk(ERROR) and chunks[-1].startswith("\n[ERROR:")
    words = completion("hello").split(" ")
    assert chunks[:-1] == [word + " " for word in words[: len(words) // 2]]
    with stream_request(sandbox) as response:
        assert response.text == completion("hello"), "the setting ends with its block"


def test_a_stream_left_held_is_released_when_its_block_ends(sandbox):
    with sandbox.streams.hold_last():
        response = stream_request(sandbox)
        chunks = response.iter_content(chunk_size=None)
        first = next(chunks)
    with response:
        rest = b"".join(chunks)
    assert (first + rest).decode() == completion("hello")


def test_the_sandbox_stops_while_a_stream_is_held():
    with Sandbox([example_deployment("llm")], user_key="fake-user-key-held") as sb, sb.streams.hold_last():
        response = stream_request(sb)
        chunks = response.iter_content(chunk_size=None)
        next(chunks)
        sb.stop()  # returns: a held stream does not keep the server up
        # Its connection is cut: the stream ends without its last chunk.
        rest = b""
        with response, contextlib.suppress(requests.exceptions.RequestException):
            for chunk in chunks:
                rest += chunk
    assert completion("hello").split(" ")[-1].encode() not in rest
