"""`python -m snippetgen`: preview snippets, and the commands (rules, sandbox, bench, serve, schema).

The whole command line is declared here with argparse subparsers; a command's module is
imported only when that command runs, so `--help` and the preview stay light.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from .languages import LANGUAGES
from .panel import render_panel
from .preview import UsageError, deployments_from, one_default_example, print_others, print_panel
from .render import SnippetError, render_snippet
from .rules import SITUATIONS, TABS, RuleTableError, coverage_matrix, rule_table

# serve.settings.ENV_PREFIX, spelled here so that --help loads no settings library.
SERVICE_ENV = "SNIPPETGEN_SERVICE_"
SERVE_HINT = "needs the serve extra: pip install 'snippetgen[serve]'"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("snippetgen")
    except PackageNotFoundError:
        return "(not installed)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m snippetgen",
        description=(
            "Preview the copy-paste snippets of the Arena 'Invoke an agent' panel. "
            "With no deployment given, previews the built-in Single-agent Gym example "
            "and lists the other situations; --all previews every built-in example."
        ),
        epilog="Run 'python -m snippetgen COMMAND --help' for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"snippetgen {_version()}")
    parser.set_defaults(run=_preview, parser=parser)
    _preview_options(parser)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", dest="command")
    for add in (_rules_command, _sandbox_command, _bench_command, _serve_command, _schema_command):
        add(commands)
    return parser


def _preview_options(parser: argparse.ArgumentParser) -> None:
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
    view.add_argument("--language", help=f"only this language ({', '.join(LANGUAGES)})")
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


def _one_line(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        field = ".".join(str(p) for p in item["loc"]) or "deployment"
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{field}: {message}")
    return "invalid deployment: " + "; ".join(parts)


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


def _preview(args: argparse.Namespace) -> int:
    deployments = deployments_from(args)
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
        print_panel(panel, deployment, args, paint)
    if one_default_example(args):
        print_others(deployments[0].situation)
    return 0


# ---------------------------------------------------------------- commands


def _rules_command(commands) -> None:
    parser = commands.add_parser(
        "rules",
        help="print the rule table's coverage matrix",
        description="Check templates/rules.toml and print which template covers each cell.",
    )
    parser.set_defaults(run=_rules, parser=parser)


def _rules(args: argparse.Namespace) -> int:
    print(coverage_matrix(rule_table()))
    return 0


def _schema_command(commands) -> None:
    parser = commands.add_parser(
        "schema",
        help="print the JSON schema of the panel the dashboard receives",
        description="Print the JSON schema of the panel (GET /v1/schema/panel of the service).",
    )
    parser.set_defaults(run=_schema, parser=parser)


def _schema(args: argparse.Namespace) -> int:
    from .serve.models import panel_schema

    print(json.dumps(panel_schema(), indent=2, ensure_ascii=False))
    return 0


def _sandbox_command(commands) -> None:
    parser = commands.add_parser(
        "sandbox",
        help="run an Arena-compatible server on 127.0.0.1 for trying snippets",
        description=(
            "Run an Arena-compatible server on 127.0.0.1 to try snippets against. "
            "It serves the built-in example deployments (one per situation) or those "
            "in --deployments, prints each one's Endpoint and API key, checks the "
            "Bearer token and the arrays of every request, and answers like a "
            "deployed agent. Stop it with Ctrl-C."
        ),
        epilog=(
            "Manual HTTP snippets need a deployment's Endpoint and API key. The Arena "
            "client and CLI need the two printed export lines (ARENA_BASE_URL, "
            "ARENA_API_KEY); use a fresh HOME, since the client caches deployment "
            "URLs in ~/.arena/."
        ),
    )
    parser.add_argument(
        "--port", type=int, default=0, metavar="N", help="port to listen on (default: 0, a free port)"
    )
    parser.add_argument(
        "--deployments",
        metavar="FILE",
        help="a JSON list of deployments to serve (the fields of snippetgen.Deployment; "
        "endpoint is replaced, api_key is kept or made up)",
    )
    parser.add_argument(
        "--user-key",
        metavar="KEY",
        help="the platform user's API key, ARENA_API_KEY (default: a random one)",
    )
    parser.add_argument("--quiet", action="store_true", help="do not print a line per request")
    parser.set_defaults(run=_sandbox, parser=parser)


def _sandbox(args: argparse.Namespace) -> int:
    from .sandbox.command import run

    return run(args)


def _bench_command(commands) -> None:
    parser = commands.add_parser(
        "bench",
        help="time rendering: default vs. naive path, import, first panel, docs plugin; "
        "'bench service': panel requests per second of one service worker",
        description=(
            "Time panel rendering (naive vs. default path, new values and repeats), import and "
            "first panel in fresh processes, and the MkDocs plugin's share of a docs build; "
            "optionally against httpsnippet. Outputs of both paths are checked to be identical."
        ),
        epilog="Run 'python -m snippetgen bench service --help' for the service load test.",
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="naive renders, fresh processes and docs builds (default: 5)"
    )
    parser.add_argument(
        "--samples", type=int, default=1000, help="renders per p50 on the default path (default: 1000)"
    )
    parser.add_argument("--profile", default="documented", help="client profile (default: documented)")
    parser.add_argument(
        "--against",
        choices=["httpsnippet"],
        help="also time httpsnippet (installed with npm into ~/.cache/snippetgen on first use)",
    )
    parser.set_defaults(run=_bench, parser=parser)
    targets = parser.add_subparsers(title="targets", metavar="TARGET", dest="target")
    service = targets.add_parser(
        "service",
        help="panel requests per second one service worker sustains",
        description=(
            "Start the service with one worker and load POST /v1/panel from this process over "
            "loopback: first the example deployments repeated (memoized renders), then a new "
            "deployment name on every request. Prints requests per second and latencies."
        ),
    )
    service.add_argument("--seconds", type=float, default=10.0, help="load time per phase (default: 10)")
    service.add_argument("--clients", type=int, default=8, help="concurrent connections (default: 8)")
    service.set_defaults(run=_bench_service, parser=service)


def _bench(args: argparse.Namespace) -> int:
    if args.rounds < 1 or args.samples < 1:
        args.parser.error("--rounds and --samples must be at least 1")
    from .bench import run

    return run(args)


def _bench_service(args: argparse.Namespace) -> int:
    if not 0 < args.seconds <= 300 or not 1 <= args.clients <= 256:
        args.parser.error("--seconds must be in (0, 300] and --clients in [1, 256]")
    try:
        from .serve.load import run
    except ImportError:
        print(f"snippetgen bench service: {SERVE_HINT}", file=sys.stderr)
        return 2
    return run(args)


def _serve_command(commands) -> None:
    env = SERVICE_ENV
    parser = commands.add_parser(
        "serve",
        help="serve panels as JSON and the reference panel page (needs snippetgen[serve])",
        description=(
            "Serve the panels as JSON (POST /v1/panel, POST /v1/snippet, GET /v1/schema/panel; "
            "docs at /docs) and the reference 'Invoke an agent' page at /. Stateless: scale "
            "out with --workers or behind any load balancer. Stop it with Ctrl-C."
        ),
        epilog=(
            f"Each option can also come from the environment: {env}HOST, {env}PORT, "
            f"{env}WORKERS, {env}SANDBOX, {env}ROOT_PATH, {env}ALLOWED_HOSTS (comma-separated), "
            f"{env}NO_TOKEN_ON_PURPOSE. When {env}TOKEN is set, every /v1/ route requires "
            "'Authorization: Bearer <token>' and the page asks for the token once (a cookie keeps "
            "it). Panels carry the real API key in their copied code: run the service behind the "
            "dashboard's own authentication."
        ),
    )
    parser.add_argument("--host", help="address to bind (default: 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=int, help="port (default: 8000; 0 picks a free one)")
    parser.add_argument("--workers", type=int, metavar="N", help="worker processes (default: 1)")
    parser.add_argument(
        "--allowed-host",
        action="append",
        dest="allowed_hosts",
        metavar="NAME",
        help=(
            "also answer requests whose Host header names NAME (repeatable; '*.example.com' for "
            "a domain). Always answered: the bound host, 127.0.0.1, localhost and [::1]; any "
            "other Host gets 400, so a hostile page cannot reach the service by DNS rebinding"
        ),
    )
    parser.add_argument(
        "--root-path",
        metavar="PATH",
        help="the path prefix a proxy serves the service under, like /snippets (default: none)",
    )
    parser.add_argument(
        "--no-token-on-purpose",
        action="store_const",
        const=True,
        help=(
            f"allow a --host beyond loopback without {env}TOKEN, because something else "
            "(the dashboard's proxy, a firewall) guards the service; without this flag, that is refused"
        ),
    )
    parser.add_argument(
        "--sandbox",
        action="store_const",
        const=True,
        help="run the sandbox beside the page, so rotate, chat and copied snippets work end to end",
    )
    parser.set_defaults(run=_serve, parser=parser)


def _serve(args: argparse.Namespace) -> int:
    try:
        from .serve.command import run
    except ImportError:
        print(f"snippetgen serve: python -m snippetgen serve {SERVE_HINT}", file=sys.stderr)
        return 2
    return run(args)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser().parse_args(argv)
        return args.run(args)
    except ValidationError as exc:
        print(f"snippetgen: {_one_line(exc)}", file=sys.stderr)
    except (UsageError, SnippetError, RuleTableError) as exc:
        print(f"snippetgen: {exc}", file=sys.stderr)
    except BrokenPipeError:
        # `python -m snippetgen | head` closes the pipe early; that is not an error.
        sys.stderr.close()
        return 0
    return 2
