"""The `documented` Arena client and CLI cells: checked statically, never executed.

They target the client the "Invoke an agent" page documents, which was never
released: `client.ensure_inference_binding(name)` returning `(base_url, api_key)`,
`agent.get_action(...)` returning `(status_code, action, hidden_state)`, and an
`arena inference run/list` CLI group. No installed package provides that surface,
so running these snippets would only test a fake written to match them. What can
be checked is checked: the code parses (Python: ast; shell: `bash -n`), and it
makes exactly the calls the page documents, in the shapes the page documents.
The last test records that the installed `agilerl-arena` indeed lacks that surface
(when a release adds it, that test fails and these cells can run for real).
The Manual HTTP cells of this profile are executed (tests/test_run_python.py).
"""

from __future__ import annotations

import ast
import shlex
import subprocess

import click
import pytest
from agilerl.arena import cli as arena_cli
from agilerl.arena.client import ArenaClient

from snippetgen import render_snippet
from snippetgen.examples import example_deployment
from snippetgen.rules import rule_table

PROFILE = "documented"


def cells(tab: str):
    return sorted(c for c in rule_table().all_cells() if c[0] == PROFILE and c[2] == tab)


def rendered(cell) -> str:
    _, situation, tab, language, variant = cell
    return render_snippet(example_deployment(situation), tab, language=language, profile=PROFILE, variant=variant).code


def method_calls(tree: ast.AST) -> dict[str, list[ast.Call]]:
    """`obj.method(...)` calls by method name."""
    found: dict[str, list[ast.Call]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            found.setdefault(node.func.attr, []).append(node)
    return found


def unpacked_into(tree: ast.AST, call: ast.Call) -> int | None:
    """How many names the result of `call` is unpacked into (None: not unpacked)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and node.value is call:
            (target,) = node.targets
            return len(target.elts) if isinstance(target, ast.Tuple) else None
    return None


def name_arg(call: ast.Call) -> str:
    (arg,) = call.args
    assert isinstance(arg, ast.Name)
    return arg.id


@pytest.mark.parametrize("cell", cells("arena_client"), ids="/".join)
def test_client_cell_makes_the_documented_calls(cell):
    situation = cell[1]
    tree = ast.parse(rendered(cell))
    imports = {
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert ("agilerl.arena.client", "ArenaClient") in imports
    calls = method_calls(tree)
    assert len(calls["login"]) == 1 and not calls["login"][0].args
    suffix = rule_table().suffix(situation, cell[4])
    if suffix == "get_action":
        (opened,) = calls["open_inference_agent"]
        assert name_arg(opened) == "DEPLOYMENT_NAME"
        (get_action,) = calls["get_action"]
        # The page: `_, action, _ = agent.get_action(state, batched=False, info=info)`.
        assert unpacked_into(tree, get_action) == 3
        keywords = {k.arg for k in get_action.keywords}
        assert {"batched", "info"} <= keywords
        assert ("hidden_state" in keywords) == (situation == "recurrent_ppo")
    else:
        # The page: ensure_inference_binding(DEPLOYMENT_NAME) gives base URL and key, then a POST.
        (binding,) = calls["ensure_inference_binding"]
        assert name_arg(binding) == "DEPLOYMENT_NAME"
        assert unpacked_into(tree, binding) == 2
        urls = [
            ast.unparse(node)
            for node in ast.walk(tree)
            if isinstance(node, ast.JoinedStr) and "base_url" in ast.unparse(node)
        ]
        assert any(url.endswith(f"/{suffix}'") or url.endswith(f'/{suffix}"') for url in urls), urls


@pytest.mark.parametrize("cell", cells("arena_cli"), ids="/".join)
def test_cli_cell_is_valid_shell_with_the_documented_commands(cell):
    code = rendered(cell)
    check = subprocess.run(["bash", "-n"], input=code, capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr
    commands = [w for w in (shlex.split(line, comments=True) for line in code.splitlines()) if w and w[0] == "arena"]
    if cell[1] == "llm":
        assert commands == [["arena", "login"], ["arena", "inference", "list", "--name=$DEPLOYMENT_NAME"]]
    else:
        # Options first; "--" ends them, so no name is read as an option.
        assert commands == [
            ["arena", "login"],
            ["arena", "inference", "run", "--obs=$OBS", "--", "$DEPLOYMENT_NAME"],
        ]


def test_the_installed_client_lacks_the_documented_surface():
    assert not hasattr(ArenaClient, "ensure_inference_binding")
    root = arena_cli.main
    assert root.get_command(click.Context(root), "inference") is None
