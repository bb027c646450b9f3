"""Client drift: the `agilerl-arena-1` snippets use only what the installed package has.

Every call a client snippet makes on `ArenaClient` or the agent it opens is bound
to the installed method's signature (`inspect.signature(...).bind`), tuple
unpacking of a result must match the method's annotated return arity, attributes
read from a result must be fields of its pydantic model, and every `arena ...`
line of a CLI snippet must parse against the installed click command tree.
A new `agilerl-arena` release that renames or reshapes any of these fails here
before a user pastes a broken snippet.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import shlex
import typing

import click
import pytest
from agilerl.arena import cli as arena_cli
from pydantic import BaseModel

from snippetgen import render_snippet
from snippetgen.examples import example_deployment
from snippetgen.rules import rule_table

PROFILE = "agilerl-arena-1"


def cells(tab: str):
    return sorted(c for c in rule_table().all_cells() if c[0] == PROFILE and c[2] == tab)


def rendered(cell, **options) -> str:
    _, situation, tab, language, variant = cell
    return render_snippet(
        example_deployment(situation), tab, language=language, profile=PROFILE, variant=variant, **options
    ).code


# ---------------------------------------------------------------- Python client calls


class _Types:
    """What each name in a snippet refers to: a class from the package, or an instance of one."""

    def __init__(self):
        self.classes: dict[str, type] = {}
        self.instances: dict[str, object] = {}


def _returns(method) -> object:
    return typing.get_type_hints(method).get("return", inspect.Signature.empty)


def _model_of(annotation):
    """The pydantic model an annotation names, looking through list[...] / X | None."""
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        model = _model_of(arg)
        if model is not None:
            return model
    return None


def _placeholder_args(call: ast.Call):
    assert not any(isinstance(a, ast.Starred) for a in call.args), "no *args in snippets"
    assert all(k.arg for k in call.keywords), "no **kwargs in snippets"
    return [object()] * len(call.args), {k.arg: object() for k in call.keywords}


def _check_call(call: ast.Call, types: _Types) -> object:
    """Bind one call to the installed signature; return what it yields (a class or annotation)."""
    func = call.func
    args, kwargs = _placeholder_args(call)
    if isinstance(func, ast.Name) and func.id in types.classes:
        cls = types.classes[func.id]
        inspect.signature(cls).bind(*args, **kwargs)
        return cls
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        owner = types.instances.get(func.value.id)
        if inspect.isclass(owner):
            method = getattr(owner, func.attr, None)
            assert callable(method), f"{owner.__name__} has no method {func.attr!r}"
            inspect.signature(method).bind(None, *args, **kwargs)
            return _returns(method)
    return None


def _check_attribute_chain(node: ast.AST, types: _Types) -> None:
    """`answer.results[0].completion`: each step a field of the model before it."""
    chain = []
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        chain.append(node.attr if isinstance(node, ast.Attribute) else "[]")
        node = node.value
    if not isinstance(node, ast.Name):
        return
    model = types.instances.get(node.id)
    if not (inspect.isclass(model) and issubclass(model, BaseModel)):
        return
    current = model
    for step in reversed(chain):
        if step == "[]":
            continue
        assert current is not None and step in current.model_fields, (
            f"{node.id}: {getattr(current, '__name__', current)} has no field {step!r}"
        )
        current = _model_of(current.model_fields[step].annotation)


def check_client_snippet(code: str) -> int:
    """Check every call on the package's objects; return how many calls were bound."""
    tree = ast.parse(code)
    types = _Types()
    bound = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("agilerl"):
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(module, alias.name), f"{node.module} has no {alias.name}"
                types.classes[alias.asname or alias.name] = getattr(module, alias.name)
    # Statements in source order, so a name is typed before it is used.
    for node in sorted(
        (n for n in ast.walk(tree) if isinstance(n, (ast.withitem, ast.Assign, ast.Call))),
        key=lambda n: (getattr(n, "lineno", None) or n.context_expr.lineno, getattr(n, "col_offset", 0)),
    ):
        if isinstance(node, ast.withitem) and isinstance(node.context_expr, ast.Call):
            result = _check_call(node.context_expr, types)
            if result is not None:
                bound += 1
                # `with X() as x` binds __enter__'s result, which is the object itself.
                if isinstance(node.optional_vars, ast.Name):
                    types.instances[node.optional_vars.id] = result
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            result = _check_call(node.value, types)
            if result is None:
                continue
            bound += 1
            (target,) = node.targets
            if isinstance(target, ast.Tuple):
                arity = typing.get_args(result)
                assert typing.get_origin(result) is tuple and len(arity) == len(target.elts), (
                    f"line {node.lineno}: unpacks {len(target.elts)} values from a call "
                    f"annotated to return {result}"
                )
            elif isinstance(target, ast.Name):
                types.instances[target.id] = _model_of(result) or result
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            # Bare calls such as client.login() (already-bound ones are checked twice, harmlessly).
            if _check_call(node, types) is not None and not _is_bound_elsewhere(node, tree):
                bound += 1
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            _check_attribute_chain(node, types)
    return bound


def _is_bound_elsewhere(call: ast.Call, tree: ast.AST) -> bool:
    return any(
        (isinstance(n, ast.withitem) and n.context_expr is call)
        or (isinstance(n, ast.Assign) and n.value is call)
        for n in ast.walk(tree)
    )


@pytest.mark.parametrize("cell", cells("arena_client"), ids="/".join)
@pytest.mark.parametrize("key_display", ["masked", "placeholders"])
def test_client_calls_exist_with_these_arguments(cell, key_display):
    code = rendered(cell, key_display=key_display)
    # ArenaClient(), login(), open_inference_agent(), and the inference call.
    assert check_client_snippet(code) >= 4


def test_the_checker_catches_drift():
    """The documented page's 3-tuple unpacking and an unknown keyword both fail here."""
    stale = (
        "from agilerl.arena.client import ArenaClient\n"
        "with ArenaClient() as client:\n"
        "    with client.open_inference_agent('x') as agent:\n"
        "        _, action, _ = agent.get_action(1, batched=False)\n"
    )
    with pytest.raises(AssertionError, match="unpacks 3 values"):
        check_client_snippet(stale)
    with pytest.raises(TypeError, match="unexpected keyword"):
        check_client_snippet(stale.replace("_, action, _", "action, _").replace("batched", "batch"))
    with pytest.raises(AssertionError, match="no method 'ensure_inference_binding'"):
        check_client_snippet(
            "from agilerl.arena.client import ArenaClient\n"
            "with ArenaClient() as client:\n"
            "    url, key = client.ensure_inference_binding('x')\n"
        )
    with pytest.raises(AssertionError, match="no field 'text'"):
        check_client_snippet(
            "from agilerl.arena.client import ArenaClient\n"
            "with ArenaClient() as client:\n"
            "    with client.open_inference_agent('x') as agent:\n"
            "        answer = agent.generate(['p'])\n"
            "        print(answer.results[0].text)\n"
        )


# ---------------------------------------------------------------- CLI lines


def arena_lines(script: str) -> list[list[str]]:
    """The argv of every `arena ...` command line of a shell snippet (variables left as text)."""
    commands = []
    for line in script.splitlines():
        words = shlex.split(line, comments=True)
        if words and words[0] == "arena":
            commands.append(words[1:])
    return commands


def parse_arena(argv: list[str]) -> click.Command:
    """Parse argv down the installed `arena` click tree; return the command it reaches."""
    command: click.Command = arena_cli.main
    ctx = command.make_context("arena", list(argv))
    while isinstance(command, click.Group):
        args = [*ctx._protected_args, *ctx.args]
        assert args, f"{' '.join(argv)!r} stops at a group"
        name, command, rest = command.resolve_command(ctx, args)
        ctx = command.make_context(name, rest, parent=ctx)
    return command


@pytest.mark.parametrize("cell", cells("arena_cli"), ids="/".join)
def test_cli_lines_parse_against_the_installed_arena(cell):
    commands = arena_lines(rendered(cell))
    assert commands[0] == ["login"]
    reached = [parse_arena(argv).name for argv in commands]
    assert reached[:2] == ["login", "list"]
    assert reached[2] == ("generate" if cell[1] == "llm" else "run")


def test_cli_parser_catches_drift():
    # The documented page's `arena inference ...` group does not exist in 1.x.
    with pytest.raises(click.UsageError, match="No such command 'inference'"):
        parse_arena(["inference", "run", "x", "--obs", "[0]"])
    with pytest.raises(click.UsageError, match="prompt"):
        parse_arena(["agent", "generate", "x"])
