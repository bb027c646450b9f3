"""`python -m snippetgen`: preview snippets, print the rule matrix, run the sandbox, benchmark."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from . import examples
from .deployment import Deployment
from .languages import LANGUAGES
from .panel import Panel, render_panel
from .render import SnippetError, render_snippet
from .rules import DEFAULT_VARIANT, SITUATIONS, TABS, RuleTableError, coverage_matrix, rule_table

COMMANDS = {
    "rules": "print the rule table's coverage matrix",
    "sandbox": "run an Arena-compatible server on 127.0.0.1 for trying snippets",
    "bench": "time rendering: default vs. naive path, import, first panel, docs plugin;\n"
    "            'bench service': panel requests per second of one service worker",
    "serve": "serve panels as JSON and the reference panel page (needs snippetgen[serve])",
    "schema": "print the JSON schema of the panel the dashboard receives",
}



class UsageError(Exception):
    """Bad input from the command line: one line for the user, exit status 2."""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("snippetgen")
    except PackageNotFoundError:
        return "(not installed)"


def _parser() -> argparse.ArgumentParser:
    commands = "\n".join(f"  {name:9} {text}" for name, text in COMMANDS.items())
    parser = argparse.ArgumentParser(
        prog="python -m snippetgen",
        description=(
            "Preview the copy-paste snippets of the Arena 'Invoke an agent' panel. "
            "With no deployment given, previews the built-in Single-agent Gym example "
            "and lists the other situations; --all previews every built-in example."
        ),
        epilog=f"commands:\n{commands}\n\nRun 'python -m snippetgen COMMAND --help' for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"snippetgen {_version()}")
    source = parser.add_argument_group("deployment (default: the built-in examples)")
    source.add_argument(
        "--deployment",
        metavar="FILE.json",
        help="a deployment as a JSON object ('-' reads standard input); the API key may "
        "come from the ARENA_API_KEY environment variable instead of the file",
    )
    source.add_argument(
        "--situation", choices=SITUATIONS, help="only the built-in example of this situation"
    )
    source.add_argument(
        "--all",
        action="store_true",
        help="every built-in example, one per situation (what --json prints by default)",
    )
    for flag, help_text in (
        ("--name", "deployment name"),
        ("--algorithm", "algorithm as Arena reports it, e.g. PPO or GRPO"),
        ("--env-type", "gym, pettingzoo, llm or supervised"),
        ("--endpoint", "the deployment's base URL"),
        ("--env-id", "Gymnasium id or PettingZoo module the client loop builds"),
    ):
        source.add_argument(flag, help=help_text)

    view = parser.add_argument_group("what to show")
    view.add_argument("--tab", choices=TABS, help="only this tab")
    view.add_argument("--language", help="only this language (python, shell, curl, javascript)")
    view.add_argument("--profile", default="documented", help="client profile (default: documented)")
    view.add_argument(
        "--key-display",
        choices=("masked", "env", "placeholders"),
        default="masked",
        help="masked key (default), read from ARENA_API_KEY, or docs placeholders",
    )
    view.add_argument(
        "--json", action="store_true", help="print the panel(s) as JSON, as a dashboard receives them"
    )
    view.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="syntax highlighting (default: when writing to a terminal)",
    )
    return parser


def _one_line(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        field = ".".join(str(p) for p in item["loc"]) or "deployment"
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{field}: {message}")
    return "invalid deployment: " + "; ".join(parts)


def _deployment_flags(args) -> dict:
    flags = {
        "name": args.name,
        "algorithm": args.algorithm,
        "env_type": args.env_type,
        "endpoint": args.endpoint,
        "env_id": args.env_id,
    }
    return {k: v for k, v in flags.items() if v is not None}


def _one_default_example(args) -> bool:
    """No deployment, situation or --all given: the preview shows the first example only."""
    return not (args.deployment or _deployment_flags(args) or args.situation or args.all or args.json)


def _deployments(args) -> list[Deployment]:
    flags = _deployment_flags(args)
    if args.deployment is None and not flags:
        if args.situation and args.all:
            raise UsageError("--situation picks one built-in example; --all shows every one")
        if args.situation:
            return [examples.example(args.situation)]
        if args.all or args.json:
            return examples.examples()
        return [examples.example(SITUATIONS[0])]
    if args.situation or args.all:
        raise UsageError(
            "--situation and --all pick built-in examples; they cannot be combined with a deployment"
        )
    data: dict = {}
    if args.deployment is not None:
        try:
            if args.deployment == "-":
                data = json.load(sys.stdin)
            else:
                with open(args.deployment, encoding="utf-8") as f:
                    data = json.load(f)
        except OSError as exc:
            raise UsageError(f"{args.deployment}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise UsageError(f"{args.deployment}: not JSON ({exc.msg}, line {exc.lineno})") from None
        if not isinstance(data, dict):
            raise UsageError(f"{args.deployment}: expected a JSON object of deployment fields")
    data.update(flags)
    if "api_key" not in data and os.environ.get("ARENA_API_KEY"):
        data["api_key"] = os.environ["ARENA_API_KEY"]
    return [Deployment.model_validate(data)]


def _highlighter(color: str):
    use = color == "always" or (
        color == "auto" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    )
    if not use:
        return lambda code, language: code
    from pygments import highlight
    from pygments.formatters import TerminalFormatter
    from pygments.lexers import get_lexer_by_name

    formatter = TerminalFormatter()
    return lambda code, language: highlight(code, get_lexer_by_name(LANGUAGES[language].lexer), formatter)


def _print_panel(panel: Panel, deployment: Deployment, args, paint) -> None:
    situation = rule_table().situations[panel.situation]
    print(f"# {deployment.name} · {situation.title} ({deployment.algorithm}, {deployment.env_type})")
    if panel.warning:
        print(f"! {panel.warning}")
    if not panel.expanded:
        print(f"{panel.message}. {panel.hint}\n")
        return
    for component in panel.components:
        print(f"{component.label}: {component.display}")
    if panel.snippets_unavailable:
        print(panel.snippets_unavailable)
    print()
    for tab in panel.tabs:
        if args.tab and tab.id != args.tab:
            continue
        default = " (default tab)" if tab.id == panel.default_tab else ""
        if tab.kind == "chat" and tab.chat is not None:
            print(f"## {tab.title}{default}")
            chat = tab.chat
            if chat.stream_url is not None and chat.route != "generate":
                print(f"POST {chat.stream_url} (streamed: plain-text chunks, an error starts with "
                      f"{chat.stream_error_prefix!r})")
                print(f"one-shot: POST {chat.generate_url}, the reply is {chat.completion_field}")
            else:
                print(f"POST {chat.generate_url}")
                print(f"the reply is {chat.completion_field}")
            print(f"conversation lines start with {chat.user_prefix!r} / {chat.assistant_prefix!r}\n")
        for snippet in tab.snippets:
            if args.language and snippet.language != args.language:
                continue
            variant = "" if snippet.variant == DEFAULT_VARIANT else f" · {snippet.variant}"
            print(f"## {tab.title} · {snippet.language}{variant}{default}")
            if snippet.install:
                print(f"# install: {snippet.install}")
            print(paint(snippet.code, snippet.language).rstrip("\n"))
            print()


def _preview(argv: Sequence[str]) -> int:
    args = _parser().parse_args(argv)
    deployments = _deployments(args)
    if args.language and not args.tab:
        raise UsageError("--language needs --tab (a language belongs to a tab)")
    if args.tab and args.language:
        # Validates the pair early, with the renderer's own message.
        render_snippet(
            deployments[0], args.tab, language=args.language, profile=args.profile, key_display="placeholders"
        )
    panels = [
        render_panel(d, profile=args.profile, key_display=args.key_display) for d in deployments
    ]
    if args.json:
        payload = [json.loads(p.model_dump_json()) for p in panels]
        one = args.deployment or args.name
        print(json.dumps(payload[0] if one else payload, indent=2, ensure_ascii=False))
        return 0
    paint = _highlighter(args.color)
    for panel, deployment in zip(panels, deployments, strict=True):
        _print_panel(panel, deployment, args, paint)
    if _one_default_example(args):
        _print_others(deployments[0].situation)
    return 0


def _print_others(shown: str) -> None:
    """After the one default example: the other situations and the flags that show them."""
    table = rule_table()
    print("Other situations: python -m snippetgen --situation NAME")
    for situation in SITUATIONS:
        if situation != shown:
            rule = table.situations[situation]
            algorithms = ", ".join(rule.algorithms[:3]) + (", ..." if len(rule.algorithms) > 3 else "")
            print(f"  {situation:14} {rule.title} ({algorithms})")
    print("Every situation in full: --all. One tab or language: --tab manual_http --language curl.")
    print("The released agilerl-arena 1.x client: --profile agilerl-arena-1.")
    print("Your own deployment: --deployment FILE.json (or --name, --algorithm, --env-type, ...).")


def _rules(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m snippetgen rules",
        description="Check templates/rules.toml and print which template covers each cell.",
    )
    parser.parse_args(argv)
    print(coverage_matrix(rule_table()))
    return 0


def _schema(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m snippetgen schema",
        description="Print the JSON schema of the panel (GET /v1/schema/panel of the service).",
    )
    parser.parse_args(argv)
    from .serve.models import panel_schema

    print(json.dumps(panel_schema(), indent=2, ensure_ascii=False))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] == "rules":
            return _rules(argv[1:])
        if argv and argv[0] == "sandbox":
            from .sandbox import main as sandbox_main

            return sandbox_main(argv[1:])
        if argv[:2] == ["bench", "service"]:
            from .serve.load import main as load_main

            return load_main(argv[2:])
        if argv and argv[0] == "bench":
            from .bench import main as bench_main

            return bench_main(argv[1:])
        if argv and argv[0] == "serve":
            from .serve.command import main as serve_main

            return serve_main(argv[1:])
        if argv and argv[0] == "schema":
            return _schema(argv[1:])
        return _preview(argv)
    except ValidationError as exc:
        print(f"snippetgen: {_one_line(exc)}", file=sys.stderr)
    except (UsageError, SnippetError, RuleTableError) as exc:
        print(f"snippetgen: {exc}", file=sys.stderr)
    except BrokenPipeError:
        # `python -m snippetgen | head` closes the pipe early; that is not an error.
        sys.stderr.close()
        return 0
    return 2
