"""The preview `python -m snippetgen` prints: deployments from its options, panels as text."""

from __future__ import annotations

import json
import os
import sys

from . import examples
from .deployment import Deployment
from .languages import LANGUAGES
from .panel import Panel
from .rules import DEFAULT_VARIANT, SITUATIONS, rule_table

FIRST_RUN_LANGUAGES = 3
"""The first run shows this many of a tab's languages (its first ones) and names the rest."""


class UsageError(Exception):
    """Bad input from the command line: one line for the user, exit status 2."""


def deployment_flags(args) -> dict:
    flags = {
        "name": args.name,
        "algorithm": args.algorithm,
        "env_type": args.env_type,
        "endpoint": args.endpoint,
        "env_id": args.env_id,
    }
    return {k: v for k, v in flags.items() if v is not None}


def one_default_example(args) -> bool:
    """No deployment, situation or --all given: the preview shows the first example only."""
    return not (args.deployment or deployment_flags(args) or args.situation or args.all or args.json)


def deployments_from(args) -> list[Deployment]:
    flags = deployment_flags(args)
    if args.deployment is None and not flags:
        if args.situation and args.all:
            raise UsageError("--situation picks one built-in example; --all shows every one")
        if args.situation:
            return [examples.example_deployment(args.situation)]
        if args.all or args.json:
            return examples.examples()
        return [examples.example_deployment(SITUATIONS[0])]
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


def print_panel(panel: Panel, deployment: Deployment, args, paint) -> None:
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
        first_run = one_default_example(args) and not args.language and not args.tab
        shown = rule_table().tabs[tab.id].languages[:FIRST_RUN_LANGUAGES] if first_run else None
        for snippet in tab.snippets:
            if args.language and snippet.language != args.language:
                continue
            if shown is not None and snippet.language not in shown:
                continue
            variant = "" if snippet.variant == DEFAULT_VARIANT else f" · {snippet.variant}"
            print(f"## {tab.title} · {snippet.language}{variant}{default}")
            if snippet.install:
                print(f"# install: {snippet.install}")
            print(paint(snippet.code, snippet.language).rstrip("\n"))
            print()
        hidden = [s.language for s in tab.snippets if shown is not None and s.language not in shown]
        if hidden:
            titles = ", ".join(LANGUAGES[language].title for language in dict.fromkeys(hidden))
            print(f"## {tab.title} in {titles} too: --tab {tab.id} --language {hidden[0]}\n")


def print_others(shown: str) -> None:
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
