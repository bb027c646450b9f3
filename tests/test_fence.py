"""The superfences custom fence in process, through Python-Markdown: output, options, errors."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import markdown
import pytest
from bs4 import BeautifulSoup
from mkdocs.exceptions import PluginError
from pymdownx.superfences import SuperFencesException

from block_cases import BAD_BLOCKS
from snippetgen import Placeholders, render_snippet
from snippetgen import docs as renderer_module
from snippetgen.docs import Block, SiteOptions, render_block
from snippetgen.rules import rule_table
from snippetgen_mkdocs import fence
from snippetgen_mkdocs import markdown as md

FENCE = {"name": "arena-snippet", "class": "arena-snippet", "format": fence.format}
TABBED = {"pymdownx.tabbed": {"alternate_style": True}}
SITUATIONS = list(rule_table().situations)


def converter(*, tabbed: bool = True, options=None, validator: bool = False, slugify=None):
    """A Markdown instance set up as the README says (the fence's options when given)."""
    custom = dict(FENCE, validator=fence.validator) if validator else FENCE
    configs: dict = {"pymdownx.superfences": {"custom_fences": [custom]}}
    extensions = ["admonition", "pymdownx.superfences"]
    if tabbed:
        extensions.append("pymdownx.tabbed")
        configs["pymdownx.tabbed"] = {"alternate_style": True}
        if slugify is not None:
            configs["pymdownx.tabbed"]["slugify"] = slugify
    if options is not None:
        extensions.append("snippetgen_mkdocs.fence")
        configs["snippetgen_mkdocs.fence"] = options
    return markdown.Markdown(extensions=extensions, extension_configs=configs)


def html_of(text: str, **kwargs) -> BeautifulSoup:
    return BeautifulSoup(converter(**kwargs).convert(text), "html.parser")


def block(body: str, indent: str = "") -> str:
    lines = ["```arena-snippet", *body.split("\n"), "```"]
    return "\n".join(indent + line for line in lines) + "\n"


def codes(soup) -> list[str]:
    return [code.get_text().rstrip("\n") for code in soup.select("pre code")]


def expected_codes(situation: str, *, profile="documented", placeholders=None, only=None) -> list[str]:
    deployment = renderer_module.deployment(Block(situation=situation))
    return [
        render_snippet(
            deployment,
            tab_id,
            language=language,
            profile=profile,
            key_display="placeholders",
            placeholders=placeholders or Placeholders(),
        ).code.rstrip("\n")
        for tab_id, tab in rule_table().tabs.items()
        if tab.applies_to(situation) and (only is None or tab_id in only)
        for language in tab.languages
    ]


def titles(situation: str) -> list[str]:
    return [tab.title for tab in rule_table().tabs.values() if tab.applies_to(situation)]


def top_labels(soup) -> list[str]:
    sets = [s for s in soup.select("div.tabbed-set") if s.find_parent(class_="tabbed-set") is None]
    return [label.get_text() for s in sets for label in s.select(":scope > .tabbed-labels > label")]


# ---------------------------------------------------------------- output


@pytest.mark.parametrize("situation", SITUATIONS)
def test_every_snippet_of_a_situation_is_the_public_render(situation):
    soup = html_of(block(f"situation: {situation}"))
    assert codes(soup) == expected_codes(situation)
    assert top_labels(soup) == titles(situation)
    assert soup.select_one("div.arena-snippet > div.tabbed-set") is not None
    assert "situation:" not in soup.get_text()


# Each page, given how a block is written (as the fence, or as the Markdown it stands for).
PAGES = {
    "top level": lambda write: write("situation: llm", ""),
    "two in a row": lambda write: write("situation: gym", "") + "\n" + write("situation: gym", ""),
    "in a list": lambda write: "1. Step:\n\n"
    + write("situation: pettingzoo\ntabs: [arena_client, manual_http]", "    "),
    "in an admonition": lambda write: '!!! tip "T"\n\n'
    + write("situation: recurrent_ppo\nlanguages: [python]", "    "),
    "plain": lambda write: write("situation: llm\nstyle: plain", ""),
    "named": lambda write: write(
        "algorithm: DQN\nenv_type: gym\nname: lunar-dqn\nenv_id: LunarLander-v3", ""
    ),
}


def as_markdown(body: str, indent: str) -> str:
    lines = md.to_markdown(render_block(body, SiteOptions(), can_tab=True))
    return "\n".join(indent + line if line else "" for line in lines) + "\n"


@pytest.mark.parametrize("page", list(PAGES), ids=list(PAGES))
def test_fence_html_is_the_renderer_markdown_converted(page):
    """The fence's HTML is exactly what the renderer's Markdown becomes on the same page."""
    by_plugin = converter().convert(PAGES[page](as_markdown))
    by_fence = BeautifulSoup(converter().convert(PAGES[page](block)), "html.parser")
    for wrapper in by_fence.select("div.arena-snippet"):
        wrapper.unwrap()
    normal = BeautifulSoup(by_plugin, "html.parser")
    assert str(by_fence).split() == str(normal).split()


def test_blocks_without_a_blank_line_between_both_render():
    soup = html_of(block("situation: gym\ntabs: [arena_cli]") + block("situation: llm\ntabs: [arena_cli]"))
    expected = expected_codes("gym", only=["arena_cli"]) + expected_codes("llm", only=["arena_cli"])
    assert codes(soup) == expected


def test_tabs_are_numbered_with_the_other_tabs_of_the_page():
    text = '=== "One"\n\n    1\n\n' + block("situation: gym") + '\n=== "Two"\n\n    2\n'
    soup = html_of(text)
    inputs = [i["id"] for i in soup.select("input")]
    assert len(inputs) == len(set(inputs)) > 3
    assert {label["for"] for label in soup.select("label")} == set(inputs)


def test_slugified_tab_ids_still_pair_labels_with_inputs():
    from pymdownx.slugs import slugify

    soup = html_of('=== "Outside"\n\n    x\n\n' + block("situation: gym"), slugify=slugify(case="lower"))
    inputs = [i["id"] for i in soup.select("input")]
    assert "outside" in inputs
    assert len(inputs) == len(set(inputs))
    assert [label["for"] for label in soup.select("label")] == inputs


def test_without_tabbed_a_block_is_headings_and_code():
    soup = html_of(block("situation: gym"), tabbed=False)
    assert soup.select("div.tabbed-set") == []
    assert [h.get_text() for h in soup.select("h4")] == titles("gym")
    assert codes(soup) == expected_codes("gym")


def test_site_wide_options_come_from_the_extension():
    placeholders = Placeholders(name="docs-agent", endpoint="https://docs.invalid/agent")
    options = {
        "profile": "agilerl-arena-1",
        "tabs": ["manual_http"],
        "placeholders": {"name": "docs-agent", "endpoint": "https://docs.invalid/agent"},
    }
    soup = html_of(block("situation: gym"), options=options)
    assert codes(soup) == expected_codes(
        "gym", profile="agilerl-arena-1", placeholders=placeholders, only=["manual_http"]
    )
    # A block's own keys still win.
    soup = html_of(block("situation: gym\ntabs: [arena_cli]\nprofile: documented"), options=options)
    assert codes(soup) == expected_codes("gym", placeholders=placeholders, only=["arena_cli"])


def test_heading_level_and_style_options():
    soup = html_of(block("situation: supervised"), options={"style": "plain", "heading_level": 2})
    assert [h.get_text() for h in soup.select("h2")] == titles("supervised")


# ---------------------------------------------------------------- errors


def failure(text: str, **kwargs) -> str:
    with pytest.raises(SuperFencesException) as raised:
        converter(**kwargs).convert(text)
    message = str(raised.value)
    assert "\n" not in message
    assert "Traceback" not in message
    return message


@pytest.mark.parametrize(("body", "expected"), BAD_BLOCKS)
def test_a_bad_block_fails_with_one_line_naming_the_field(body, expected):
    message = failure(block(body))
    assert message.startswith("snippetgen: arena-snippet block: ")
    assert expected in message


def test_the_failure_is_a_plugin_error_under_mkdocs():
    # MkDocs prints a PluginError as its message alone and stops the build.
    with pytest.raises(PluginError):
        converter().convert(block("situation: gymm"))


def test_a_bad_option_fails_naming_it():
    message = failure(block("situation: gym"), options={"placeholders": {"key": "x"}, "style": "fancy"})
    assert message.startswith(
        "snippetgen: arena-snippet block: markdown_extensions snippetgen_mkdocs.fence: "
    )
    assert "placeholders: unknown key 'key'" in message and "style: Input should be" in message


def test_tabbed_style_without_the_extension_fails_naming_style():
    message = failure(block("situation: gym\nstyle: tabbed"), tabbed=False)
    assert "style: tabbed needs markdown_extensions pymdownx.tabbed" in message


def test_fence_line_options_fail_instead_of_leaving_raw_text():
    text = '```arena-snippet title="x"\nsituation: gym\n```\n'
    assert "the fence line takes no options (title)" in failure(text, validator=True)


def test_an_unclosed_block_fails_when_the_extension_is_listed():
    text = "# T\n\n```arena-snippet\nsituation: gym\n"
    assert "this arena-snippet block has no closing fence" in failure(text, options={})


def test_an_unexpected_failure_is_one_line(monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("template\nexploded")

    monkeypatch.setattr(renderer_module, "render_panel", boom)
    message = failure(block("situation: gym"))
    assert message == (
        "snippetgen: arena-snippet block: snippetgen failed on this block: RuntimeError: template exploded"
    )


# ---------------------------------------------------------------- cost of loading


HEAVY = ("yaml", "pygments", "snippetgen", "pydantic", "mkdocs", "pymdownx", "numpy", "black", "jinja2")


def modules_after(statement: str) -> set[str]:
    script = f"import sys\n{statement}\nimport json\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(result.stdout))


def test_loading_the_fence_from_a_config_file_imports_nothing_heavy():
    loaded = modules_after("import snippetgen_mkdocs.fence")
    assert sorted(m for m in loaded if m.split(".")[0] in HEAVY) == []


def test_the_plugin_adds_no_parser_or_highlighter_to_what_snippetgen_loads():
    baseline = modules_after(
        textwrap.dedent("""\
            import snippetgen, snippetgen.rules
            import mkdocs.plugins, mkdocs.config.defaults, mkdocs.structure.pages
            import mkdocs.utils.meta, markdown""")
    )
    loaded = modules_after("import snippetgen_mkdocs.plugin")
    added = {m.split(".")[0] for m in loaded - baseline}
    assert not added & {"yaml", "pygments", "pymdownx"}, sorted(added)
