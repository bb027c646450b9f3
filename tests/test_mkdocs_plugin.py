"""The MkDocs plugin in process: config validation, pages rendered through its fence, errors, caching."""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from block_cases import BAD_BLOCKS
from snippetgen import Placeholders, Snippet, Tab, render_snippet
from snippetgen import docs as renderer_module
from snippetgen.docs import SiteOptions, view
from snippetgen.languages import LANGUAGES
from snippetgen.panel import ChatPlayground
from snippetgen.rules import TEMPLATE_DIR, rule_table
from snippetgen_mkdocs import markdown as md

MANUAL_HTTP = tuple(rule_table().tabs["manual_http"].languages)

MATERIAL_EXTENSIONS = [
    "admonition",
    {"pymdownx.highlight": {"pygments_lang_class": True}},
    "pymdownx.superfences",
    {"pymdownx.tabbed": {"alternate_style": True}},
]
SECRETS = ("example-key", "arena.example.com")


# ---------------------------------------------------------------- helpers


def write_site(root: Path, plugin_options=None, extensions=None) -> Path:
    (root / "docs").mkdir(parents=True, exist_ok=True)
    config = {
        "site_name": "Test",
        "plugins": [{"snippetgen": plugin_options} if plugin_options else "snippetgen"],
    }
    if extensions:
        config["markdown_extensions"] = extensions
    path = root / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


class Site:
    """A configured plugin and a way to run one page through it."""

    def __init__(self, root: Path, plugin_options=None, extensions=None):
        self.config = load_config(config_file=str(write_site(root, plugin_options, extensions)))
        self.plugin = self.config.plugins["snippetgen"]
        self.plugin.on_startup(command="build", dirty=False)
        self.plugin.on_config(self.config)
        self.plugin.on_pre_build(config=self.config)

    def page(self, text: str, name: str = "page.md") -> str:
        """The page's HTML, as `mkdocs build` renders it."""
        path = Path(self.config.docs_dir) / name
        path.write_text(text, encoding="utf-8")
        file = File(
            name, self.config.docs_dir, self.config.site_dir, self.config.use_directory_urls
        )
        page = Page(None, file, self.config)
        page.read_source(self.config)
        page.render(self.config, Files([file]))
        return page.content or ""


@pytest.fixture
def plain_site(tmp_path):
    return Site(tmp_path)


@pytest.fixture
def tabbed_site(tmp_path):
    return Site(tmp_path, extensions=MATERIAL_EXTENSIONS)


def snippet(language: str, code: str, filename: str, install: str | None = None) -> Snippet:
    return Snippet(
        tab="manual_http",
        language=language,
        profile="documented",
        situation="gym",
        code=code,
        copy_code=code,
        filename=filename,
        install=install,
        run="",
    )


HAND_MADE_TABS = [
    Tab(
        id="arena_client",
        title="Arena client",
        kind="code",
        snippets=[snippet("python", 'print("```")\n', "a.py", install="pip install x")],
    ),
    Tab(
        id="manual_http",
        title="Manual HTTP",
        kind="code",
        snippets=[
            snippet("python", "x = 1\n", "m.py"),
            snippet("curl", "curl -s URL\n", "m.sh"),
        ],
    ),
    Tab(
        id="chat_playground",
        title="Chat playground",
        kind="chat",
        chat=ChatPlayground(generate_url="YOUR_ENDPOINT/generate", api_key="YOUR_API_KEY"),
    ),
]

CHAT_TEXT = "\n".join(
    [
        "The playground posts each turn to the generate path with the deployment API key.",
        "",
        "- Generate URL: `YOUR_ENDPOINT/generate`, header `Authorization: Bearer YOUR_API_KEY`",
        "- Conversation: one line per turn, starting `User:` or `Assistant:`, ending with "
        "`Assistant:` for the model to continue; sent as the single prompt",
        "- Completion: `results[0].completion`, the first result row",
        '- Params: `{"max_new_tokens": 100, "temperature": 0.7, "top_p": 0.9, "do_sample": true}`',
        "",
    ]
)


# ---------------------------------------------------------------- the block as Markdown


def test_tabbed_markdown_is_exactly_as_expected():
    expected = textwrap.dedent("""\
        ===! "Arena client"

            Install: `pip install x`

            ````python
            print("```")
            ````

        === "Manual HTTP"

            ===! "Python"

                ```python
                x = 1
                ```

            === "curl"

                ```bash
                curl -s URL
                ```

        === "Chat playground"

        """) + textwrap.indent(CHAT_TEXT, "    ") + "\n"
    assert "\n".join(md.tabbed(view(HAND_MADE_TABS))) + "\n" == expected


def test_plain_markdown_is_exactly_as_expected():
    expected = textwrap.dedent("""\
        #### Arena client

        Install: `pip install x`

        ````python
        print("```")
        ````

        #### Manual HTTP

        ##### Python

        ```python
        x = 1
        ```

        ##### curl

        ```bash
        curl -s URL
        ```

        #### Chat playground

        """) + CHAT_TEXT + "\n"
    assert "\n".join(md.plain(view(HAND_MADE_TABS), heading_level=4)) + "\n" == expected


def test_a_block_in_a_list_on_a_plain_site_is_fenced_code(plain_site):
    block = "```arena-snippet\n    situation: gym\n    tabs: arena_cli\n    ```\n"
    out = plain_site.page("- A step:\n\n    " + block)
    [(language, code)] = code_blocks(out)
    assert language == "bash" and "arena login" in code
    assert BeautifulSoup(out, "html.parser").select_one("li pre code") is not None


def test_only_blocks_outside_other_fences_render(tabbed_site):
    out = tabbed_site.page(textwrap.dedent("""\
        Intro

        - item

            ```arena-snippet
            situation: gym
            ```

        ````markdown
        ```arena-snippet
        situation: llm
        ```
        ````

        ~~~
        ```arena-snippet
        ~~~

        end
        """))
    soup = BeautifulSoup(out, "html.parser")
    [tab_set] = top_sets(soup)
    assert tab_set.find_parent("li") is not None
    literal = [code for language, code in code_blocks(out) if language not in {d.lexer for d in LANGUAGES.values()}]
    assert literal == ["```arena-snippet\nsituation: llm\n```", "```arena-snippet"]
    assert soup.find_all("p")[-1].get_text() == "end"


def test_page_without_a_block_keeps_its_code(plain_site):
    out = plain_site.page("# Title\n\n```python\nprint('arena-snippet')\n```\n")
    assert code_blocks(out) == [("python", "print('arena-snippet')")]
    assert "tabbed-set" not in out and "<h4>" not in out


def test_inline_code_outruns_backticks():
    assert md.inline_code("a ``b`` c") == "```a ``b`` c```"
    assert md.inline_code("`x") == "`` `x ``"


def test_fence_tags_come_from_the_library_lexer_map():
    # The file name plays no part: a curl snippet is highlighted as the library says.
    made = [("python", "m.py"), ("shell", "arena_cli.sh"), ("javascript", "x.mjs"), ("curl", "no_extension")]
    snippets = [snippet(language, "", name) for language, name in made]
    [tab] = view([Tab(id="manual_http", title="M", kind="code", snippets=snippets)])
    assert [s.lexer for s in tab.snippets] == [LANGUAGES[lang].lexer for lang, _ in made] == [
        "python", "bash", "javascript", "bash"
    ]


# ---------------------------------------------------------------- real snippets


def code_blocks(html: str) -> list[tuple[str, str]]:
    """(language, code) of every code block in the HTML, in page order."""
    blocks = []
    for code in BeautifulSoup(html, "html.parser").select("pre code"):
        wrapper = code.find_parent("div", class_="highlight")
        classes = [*code.get("class", []), *(wrapper.get("class", []) if wrapper else [])]
        language = next((c.removeprefix("language-") for c in classes if c.startswith("language-")), "")
        blocks.append((language, code.get_text().rstrip("\n")))
    return blocks


def top_sets(soup) -> list:
    return [s for s in soup.select("div.tabbed-set") if s.find_parent(class_="tabbed-set") is None]


def top_labels(html: str) -> list[str]:
    sets = top_sets(BeautifulSoup(html, "html.parser"))
    return [label.get_text() for s in sets for label in s.select(":scope > .tabbed-labels > label")]


def text_of(html: str) -> str:
    return BeautifulSoup(html, "html.parser").get_text()


SITUATIONS = list(rule_table().situations)


@pytest.mark.parametrize("situation", SITUATIONS)
def test_every_snippet_of_a_situation_is_the_public_render(tabbed_site, situation):
    out = tabbed_site.page(f"```arena-snippet\nsituation: {situation}\n```\n")
    placeholders = Placeholders()
    expected = [
        render_snippet(
            renderer_module.deployment(renderer_module.Block(situation=situation)),
            tab_id,
            language=language,
            key_display="placeholders",
            placeholders=placeholders,
        ).code.rstrip("\n")
        for tab_id, tab in rule_table().tabs.items()
        if tab.applies_to(situation)
        for language in tab.languages
    ]
    assert [code for _, code in code_blocks(out)] == expected
    for secret in SECRETS:
        assert secret not in out
    titles = [t.title for t in rule_table().tabs.values() if t.applies_to(situation)]
    assert top_labels(out) == titles


def test_directive_inside_an_admonition_keeps_its_indentation(tabbed_site):
    out = tabbed_site.page(
        '!!! note "Try it"\n\n    ```arena-snippet\n    situation: gym\n    tabs: arena_cli\n    ```\n'
    )
    [tab_set] = top_sets(BeautifulSoup(out, "html.parser"))
    assert tab_set.find_parent(class_="admonition") is not None
    assert top_labels(out) == ["Arena CLI"]
    [(language, code)] = code_blocks(out)
    assert language == "bash" and "arena login" in code


def test_languages_and_tabs_select(tabbed_site):
    out = tabbed_site.page(
        "```arena-snippet\nsituation: gym\ntabs: [manual_http, arena_client]\nlanguages: python\n```\n"
    )
    assert top_labels(out) == ["Arena client", "Manual HTTP"]
    assert [language for language, _ in code_blocks(out)] == ["python", "python"]


def test_name_and_placeholders_reach_the_code(tmp_path):
    site = Site(
        tmp_path, {"placeholders": {"api_key": "<KEY>", "endpoint": "https://docs.invalid"}}
    )
    out = site.page(
        "```arena-snippet\nsituation: gym\nname: my-agent\ntabs: [arena_client, manual_http]\n```\n"
    )
    placeholders = Placeholders(name="my-agent", api_key="<KEY>", endpoint="https://docs.invalid")
    deployment = renderer_module.deployment(renderer_module.Block(situation="gym", name="my-agent"))
    expected = [
        render_snippet(
            deployment, tab, language=language, key_display="placeholders", placeholders=placeholders
        ).code.rstrip("\n")
        for tab in ("arena_client", "manual_http")
        for language in rule_table().tabs[tab].languages
    ]
    assert [code for _, code in code_blocks(out)] == expected
    for value in ('"my-agent"', '"<KEY>"', '"https://docs.invalid"'):
        assert value in text_of(out)


def test_chat_playground_is_text_not_code(tabbed_site):
    out = tabbed_site.page("```arena-snippet\nsituation: llm\ntabs: [chat_playground]\n```\n")
    assert code_blocks(out) == []
    assert "Generate URL: YOUR_ENDPOINT/generate" in text_of(out)


def test_plain_site_writes_headings(plain_site):
    out = plain_site.page("```arena-snippet\nsituation: gym\n```\n")
    titles = [t.title for t in rule_table().tabs.values() if t.applies_to("gym")]
    assert [h.get_text() for h in BeautifulSoup(out, "html.parser").select("h4")] == titles
    assert "tabbed-set" not in out


def test_a_block_can_ask_for_plain_output(tabbed_site):
    out = tabbed_site.page("```arena-snippet\nsituation: gym\nstyle: plain\n```\n")
    assert "<h4>Arena client</h4>" in out
    assert "tabbed-set" not in out


# ---------------------------------------------------------------- errors


def warnings_of(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize(("body", "expected"), BAD_BLOCKS)
def test_bad_block_warns_with_location_and_shows_a_box(tabbed_site, caplog, body, expected):
    text = "---\ntitle: T\n---\n# T\n\n```arena-snippet\n" + body + "\n```\n"
    out = tabbed_site.page(text)
    [warning] = warnings_of(caplog)
    assert warning.startswith("snippetgen: docs/page.md:")
    assert expected in warning
    line = int(warning.split(":")[2])
    assert 6 <= line <= 6 + max(1, body.count("\n") + 1)
    box = BeautifulSoup(out, "html.parser").select_one("div.admonition.danger")
    assert box.select_one(".admonition-title").get_text() == "arena-snippet error"
    assert "Traceback" not in warning


def test_error_line_is_the_line_of_the_key_at_fault(plain_site, caplog):
    text = "---\na: 1\nb: 2\n---\n\n```arena-snippet\nsituation: gym\n\nenv_id: 'no spaces allowed'\n```\n"
    plain_site.page(text)
    [warning] = warnings_of(caplog)
    assert warning.startswith("snippetgen: docs/page.md:9: env_id:")
    assert text.split("\n")[8].startswith("env_id:")


def test_unclosed_block_is_an_error(plain_site, caplog):
    out = plain_site.page("# T\n\n```arena-snippet\nsituation: gym\n")
    [warning] = warnings_of(caplog)
    assert warning == "snippetgen: docs/page.md:3: this arena-snippet block has no closing fence"
    assert 'class="admonition danger snippetgen-error"' in out


def test_error_box_without_admonition_is_escaped_html(plain_site, caplog):
    out = plain_site.page("```arena-snippet\nsituation: '<b>x</b>'\n```\n")
    assert "&lt;b&gt;x&lt;/b&gt;" in out and "<b>x</b>" not in out


def test_on_error_fail_raises_plugin_error_with_the_same_text(tmp_path, caplog):
    site = Site(tmp_path, {"on_error": "fail"})
    with pytest.raises(PluginError) as raised:
        site.page("# T\n\n```arena-snippet\nsituation: gymm\n```\n")
    assert str(raised.value).startswith("docs/page.md:4: situation: unknown situation 'gymm'")


def test_an_unexpected_failure_is_one_line_not_a_traceback(tabbed_site, caplog, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(renderer_module, "render_panel", boom)
    tabbed_site.page("```arena-snippet\nsituation: gym\n```\n")
    [warning] = warnings_of(caplog)
    assert (
        warning
        == "snippetgen: docs/page.md:1: snippetgen failed on this block: RuntimeError: template exploded"
    )


# ---------------------------------------------------------------- caching and serve


def test_identical_blocks_render_once_per_build(tabbed_site, monkeypatch):
    calls = []
    real = renderer_module.render_panel

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(renderer_module, "render_panel", counting)
    block = "```arena-snippet\nsituation: gym\n```\n\n"
    first = tabbed_site.page(
        block * 3 + "- x\n\n    ```arena-snippet\n    situation: gym\n    ```\n"
    )
    assert len(calls) == 1
    assert top_labels(first).count("Arena client") == 4
    tabbed_site.page(block, name="other.md")
    assert len(calls) == 1
    tabbed_site.plugin.on_pre_build(config=tabbed_site.config)
    tabbed_site.page(block)
    assert len(calls) == 2


def test_serve_watches_the_templates(tabbed_site):
    class Server:
        def __init__(self):
            self.watched: list[str] = []

        def watch(self, path):
            self.watched.append(path)

    server = Server()
    assert tabbed_site.plugin.on_serve(server, config=tabbed_site.config, builder=None) is server
    assert server.watched == [str(TEMPLATE_DIR)]


def test_serve_rebuild_reloads_the_rule_table(tabbed_site):
    rule_table()
    tabbed_site.plugin.on_startup(command="serve", dirty=False)
    tabbed_site.plugin.on_pre_build(config=tabbed_site.config)
    assert rule_table.cache_info().currsize == 0
    rule_table()


# ---------------------------------------------------------------- config validation


def test_config_defaults(tmp_path):
    site = Site(tmp_path)
    assert site.plugin.config.on_error == "warn"
    assert site.plugin.options == SiteOptions()
    assert site.plugin.options.profile == "documented"
    assert site.plugin.options.tabs == ()
    assert site.plugin.options.style == "auto"
    assert site.plugin.options.heading_level == 4
    assert site.plugin.options.placeholders == Placeholders()
    assert site.plugin.options.placeholders.name == "YOUR_DEPLOYMENT_NAME"


FENCE_OPTIONS = {
    "profile": "agilerl-arena-1",
    "tabs": ["arena_cli"],
    "placeholders": {"name": "from-the-fence", "endpoint": "https://fence.invalid"},
}


def test_options_of_the_fence_extension_are_the_plugins_defaults(tmp_path):
    site = Site(tmp_path, extensions=[{"snippetgen_mkdocs.fence": FENCE_OPTIONS}])
    settings = site.plugin.options
    assert settings.profile == "agilerl-arena-1"
    assert settings.tabs == ("arena_cli",)
    assert settings.placeholders == Placeholders(name="from-the-fence", endpoint="https://fence.invalid")
    out = site.page("```arena-snippet\nsituation: gym\n```\n")
    assert "<h4>Arena CLI</h4>" in out and "<h4>Arena client</h4>" not in out
    assert "from-the-fence" in out


def test_plugin_options_override_the_fence_extension_field_by_field(tmp_path):
    site = Site(
        tmp_path,
        {"profile": "documented", "placeholders": {"name": "from-the-plugin"}},
        extensions=[{"snippetgen_mkdocs.fence": FENCE_OPTIONS}],
    )
    settings = site.plugin.options
    assert settings.profile == "documented"
    assert settings.tabs == ("arena_cli",)
    assert settings.placeholders == Placeholders(name="from-the-plugin", endpoint="https://fence.invalid")


def test_a_bad_fence_option_stops_the_plugin_naming_it(tmp_path):
    with pytest.raises(PluginError) as raised:
        Site(tmp_path, extensions=[{"snippetgen_mkdocs.fence": {"profile": "nope", "colour": 1}}])
    message = str(raised.value)
    assert message.startswith("markdown_extensions snippetgen_mkdocs.fence: ")
    assert "profile: unknown profile 'nope'" in message and "unknown key 'colour'" in message
    assert "\n" not in message


def test_config_accepts_rule_table_ids(tmp_path):
    profile = list(rule_table().profiles)[-1]
    tabs = list(rule_table().tabs)[-2:]
    options = {"profile": profile, "tabs": tabs, "on_error": "fail", "style": "plain"}
    plugin = load_config(config_file=str(write_site(tmp_path, options))).plugins["snippetgen"]
    assert plugin.config.profile == profile and plugin.config.tabs == tabs


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {"profile": "nope"},
            "option 'profile': unknown profile 'nope'; choose one of: documented",
        ),
        ({"tabs": ["arena_client", "sidebar"]}, "unknown tab 'sidebar'; choose one of:"),
        ({"on_error": "explode"}, "option 'on_error': Expected one of: ('warn', 'fail')"),
        ({"style": "fancy"}, "option 'style': Expected one of: ('auto', 'tabbed', 'plain')"),
        ({"placeholders": {"name": 3}}, "Sub-option 'name'"),
        ({"heading_level": 9}, "option 'heading_level'"),
    ],
)
def test_config_errors(tmp_path, caplog, options, expected):
    with pytest.raises(Abort):
        load_config(config_file=str(write_site(tmp_path, options)))
    assert any(expected in message for message in warnings_of(caplog)), warnings_of(caplog)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"colour": "red"}, "option 'colour': Unrecognised configuration name: colour"),
        ({"placeholders": {"secret": "x"}}, "Sub-option 'secret': Unrecognised configuration name"),
    ],
)
def test_config_warnings(tmp_path, caplog, options, expected):
    load_config(config_file=str(write_site(tmp_path, options)))
    assert any(expected in message for message in warnings_of(caplog)), warnings_of(caplog)


def test_tabbed_style_needs_the_extensions(tmp_path):
    with pytest.raises(PluginError, match=r"needs markdown_extensions pymdownx\.tabbed"):
        Site(tmp_path, {"style": "tabbed"})


def test_a_block_asking_for_tabs_on_a_plain_site_is_an_error(plain_site, caplog):
    plain_site.page("```arena-snippet\nsituation: gym\nstyle: tabbed\n```\n")
    [warning] = warnings_of(caplog)
    assert warning.startswith("snippetgen: docs/page.md:3: style: tabbed needs")


def test_indented_block_keeps_its_yaml_nesting(tabbed_site):
    out = tabbed_site.page(textwrap.dedent("""\
            - A step:

                ```arena-snippet
                situation: gym
                observation_space:
                  type: Box
                  shape: [3]
                tabs: manual_http
                languages: python
                ```
            """))
    [(info, code)] = code_blocks(out)
    assert info == "python"
    space = {"type": "Box", "shape": [3]}
    deployment = renderer_module.deployment(
        renderer_module.Block(situation="gym", observation_space=space)
    )
    assert deployment.observation_space is not None
    expected = render_snippet(
        deployment, "manual_http", language="python", key_display="placeholders"
    ).code.rstrip("\n")
    assert code == expected


# ---------------------------------------------------------------- variants


def _variants(body: str) -> list[tuple[str, str, str]]:
    rendered = renderer_module.render_block(body, SiteOptions(), can_tab=True)
    return [(tab.id, s.label, s.sync) for tab in rendered.tabs for s in tab.snippets]


def test_a_block_shows_one_shot_snippets_unless_it_asks_for_a_variant():
    one_shot = _variants("situation: llm\ntabs: [manual_http]\n")
    assert [label for _, label, _ in one_shot] == [LANGUAGES[language].title for language in MANUAL_HTTP]
    stream = _variants("situation: llm\ntabs: [manual_http]\nvariant: stream\n")
    assert stream == [
        ("manual_http", f"{LANGUAGES[language].title} (Stream)", f"{language}-stream") for language in MANUAL_HTTP
    ]
    both = _variants("situation: llm\ntabs: [manual_http]\nlanguages: [python]\nvariant: both\n")
    assert [label for _, label, _ in both] == ["Python", "Python (Stream)"]
    code = renderer_module.render_block("situation: llm\ntabs: [arena_client]\nvariant: stream\n", SiteOptions(),
                                        can_tab=True).tabs[0].snippets[0].code
    assert code == render_snippet(
        renderer_module.deployment(renderer_module.parse("situation: llm")[0]), "arena_client",
        variant="stream", key_display="placeholders",
    ).code.rstrip("\n")


def test_a_variant_a_named_tab_lacks_is_an_error_on_its_line():
    with pytest.raises(renderer_module.BlockError, match="tab 'arena_cli' has no 'stream' snippet; it has: request") as info:
        renderer_module.render_block("situation: llm\ntabs: [arena_cli]\nvariant: stream\n", SiteOptions(), can_tab=True)
    assert info.value.line == 2
    with pytest.raises(renderer_module.BlockError, match="unknown variant 'streaming'") as info:
        renderer_module.render_block("situation: llm\nvariant: streaming\n", SiteOptions(), can_tab=True)
    assert info.value.line == 1
