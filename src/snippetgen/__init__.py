"""snippetgen: the copy-paste code that calls a deployed Arena agent.

    from snippetgen import Deployment, render_panel
    panel = render_panel(Deployment(name="cartpole", algorithm="PPO", env_type="gym",
                                    endpoint="https://...", api_key="..."))
"""

from .chat import (
    ChatMessage,
    format_conversation,
    generate_request,
    read_completion,
    read_stream,
    stream_error,
    stream_request,
)
from .classify import ClassificationError, classify
from .deployment import Deployment
from .panel import Component, Panel, Tab, render_panel
from .render import KeyDisplay, Placeholders, Snippet, SnippetError, render_snippet, render_snippets
from .rules import RuleTableError, rule_table

__all__ = [
    "ChatMessage",
    "ClassificationError",
    "Component",
    "Deployment",
    "KeyDisplay",
    "Panel",
    "Placeholders",
    "RuleTableError",
    "Snippet",
    "SnippetError",
    "Tab",
    "classify",
    "format_conversation",
    "generate_request",
    "read_completion",
    "read_stream",
    "render_panel",
    "render_snippet",
    "render_snippets",
    "rule_table",
    "stream_error",
    "stream_request",
]
