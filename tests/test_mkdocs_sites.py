"""Whole sites built with `mkdocs build --strict` and `zensical build`, their HTML read back.

Each site is built once per module (per xdist worker), into temporary directories.
"""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from pathlib import Path

import markdown
import pytest
from bs4 import BeautifulSoup

from block_cases import BAD_BLOCKS
from site_builds import built, copied, mkdocs_build, zensical_build, zensical_built
from snippetgen.docs import SiteOptions, deployment, parse, render_block
from snippetgen.languages import LANGUAGES
from snippetgen.rules import TEMPLATE_DIR, rule_table

ROOT = Path(__file__).parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "mkdocs"
SITE_EXAMPLE = ROOT / "site_example"
SECRETS = ("example-key", "arena.example.com")
CODE_LANGUAGES = {f"language-{LANGUAGES[language].lexer}" for tab in rule_table().tabs.values()
                  for language in tab.languages}


def article(path: Path) -> BeautifulSoup:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    return soup.select_one("article") or soup.select_one("[role=main]")


def tab_sets(root) -> list:
    """Tab sets that are not nested inside another tab set."""
    return [
        t
        for t in root.select("div.tabbed-set")
        if t.find_parent("div", class_="tabbed-set") is None
    ]


def heading(h) -> str:
    """A heading's text without its permalink sign."""
    return h.get_text(strip=True).rstrip("¶")


def labels(tab_set) -> list[str]:
    return [
        label.get_text(strip=True) for label in tab_set.select(":scope > .tabbed-labels > label")
    ]


def blocks(tab_set) -> list:
    return tab_set.select(":scope > .tabbed-content > .tabbed-block")


def titles(situation: str, only: list[str] | None = None) -> list[str]:
    return [
        tab.title
        for tab_id, tab in rule_table().tabs.items()
        if tab.applies_to(situation) and (only is None or tab_id in only)
    ]


def language_labels(tab_title: str) -> list[str]:
    [tab] = [t for t in rule_table().tabs.values() if t.title == tab_title]
    return [LANGUAGES[language].title for language in tab.languages]


CHAT_TITLE = rule_table().tabs["chat_playground"].title


def assert_tab_set(tab_set, expected_titles: list[str], *, languages: list[str] | None = None):
    """Labels as expected; code in every code tab, nested by language; settings as text."""
    assert labels(tab_set) == expected_titles
    for title, block in zip(expected_titles, blocks(tab_set), strict=True):
        if title == CHAT_TITLE:
            assert block.select("pre") == []
            assert "Generate URL" in block.get_text()
            continue
        assert block.select("pre code"), title
        shown = [
            lang
            for lang in language_labels(title)
            if languages is None or lang.lower() in languages
        ]
        inner = block.select("div.tabbed-set")
        if len(shown) > 1:
            assert labels(inner[0]) == shown
            assert all(b.select("pre code") for b in blocks(inner[0]))
        else:
            assert inner == []


def assert_clean(html: str):
    for secret in SECRETS:
        assert secret not in html
    assert "YOUR_DEPLOYMENT_NAME" in html or "docs-llm" in html


# ---------------------------------------------------------------- fixture sites


def test_material_site(tmp_path):
    site = built(FIXTURES / "material" / "mkdocs.yml", tmp_path / "site")
    page = article(site / "index.html")
    sets = tab_sets(page)
    assert len(sets) == 5  # five directives; the one inside a fence stays text
    assert_tab_set(sets[0], titles("gym"))
    assert_tab_set(sets[1], titles("gym"))
    assert_tab_set(sets[2], titles("llm"))
    assert_tab_set(sets[3], titles("pettingzoo", ["arena_client", "manual_http"]))
    assert_tab_set(
        sets[4], titles("recurrent_ppo", ["arena_client", "manual_http"]), languages=["python"]
    )
    assert sets[3].find_parent("li") is not None
    assert sets[4].find_parent(class_="admonition") is not None

    highlight = page.select("div.highlight")
    literal = [d for d in highlight if "language-markdown" in d["class"]]
    assert len(literal) == 1 and "arena-snippet" in literal[0].get_text()
    for div in highlight:
        if div not in literal:
            assert CODE_LANGUAGES & set(div["class"]), div["class"]
    text = page.get_text()
    assert text.count("arena-snippet") == 1
    assert text.count("situation:") == 1
    assert '"docs-llm"' in text
    assert_clean(str(page))


def test_plain_site(tmp_path):
    site = built(FIXTURES / "plain" / "mkdocs.yml", tmp_path / "site")
    page = article(site / "index.html")
    assert page.select("div.tabbed-set") == []
    headings = [h.get_text(strip=True) for h in page.select("h4")]
    assert headings == titles("gym") + titles("llm") + titles("supervised", ["arena_cli"])
    # A tab with several languages gets a sub-heading per language.
    code_tabs = [t for t in titles("gym") + titles("llm") if t != CHAT_TITLE]
    languages = [language_labels(t) for t in code_tabs]
    sub_headings = [h.get_text(strip=True) for h in page.select("h5")]
    assert sub_headings == [label for labels in languages if len(labels) > 1 for label in labels]

    code = page.select("pre code")
    assert len(code) == sum(len(labels) for labels in languages) + 1
    top_level, in_list = code[:-1], code[-1]
    for block in top_level:
        assert CODE_LANGUAGES & set(block.get("class", [])), block.get("class")
    # The plugin brings superfences: the block in the list is fenced code too.
    assert in_list.find_parent("li") is not None
    assert "arena login" in in_list.get_text()

    chat = [li.get_text() for li in page.select("li") if li.get_text().startswith("Generate URL")]
    assert chat == [
        "Generate URL: YOUR_ENDPOINT/generate, header Authorization: Bearer YOUR_API_KEY"
    ]
    assert "arena-snippet" not in page.get_text()
    assert_clean(str(page))


def expected_warnings(page: Path) -> list[tuple[int, str]]:
    """(line, text) of every `# expect: text` comment in a fixture page."""
    found = []
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        if "# expect: " in line:
            found.append((number, line.split("# expect: ", 1)[1]))
    return found


def test_broken_site_fails_strict_with_located_warnings(tmp_path):
    config = FIXTURES / "broken" / "mkdocs.yml"
    result = mkdocs_build(config, tmp_path / "site")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING")]
    expected = expected_warnings(FIXTURES / "broken" / "docs" / "page.md")
    assert len(warnings) == len(expected) == 7
    for warning, (line, text) in zip(warnings, expected, strict=True):
        assert f"snippetgen: docs/page.md:{line}: " in warning
        assert text in warning
        assert warning.count("\n") == 0


def test_broken_site_shows_error_boxes_and_still_renders_the_good_block(tmp_path):
    config = FIXTURES / "broken" / "mkdocs.yml"
    result = mkdocs_build(config, tmp_path / "site", strict=False)
    assert result.returncode == 0, result.stderr
    page = article(tmp_path / "site" / "page" / "index.html")
    boxes = page.select("div.admonition.danger")
    expected = expected_warnings(FIXTURES / "broken" / "docs" / "page.md")
    assert len(boxes) == len(expected)
    for box, (line, text) in zip(boxes, expected, strict=True):
        assert box.select_one(".admonition-title").get_text() == "arena-snippet error"
        assert f"docs/page.md:{line}: " in box.get_text()
        assert text in box.get_text()
    assert "arena login" in page.select("pre code")[-1].get_text()


def test_on_error_fail_stops_the_build_without_a_traceback(tmp_path):
    result = mkdocs_build(FIXTURES / "broken" / "mkdocs-fail.yml", tmp_path / "site", strict=False)
    assert result.returncode != 0
    first_line, first_text = expected_warnings(FIXTURES / "broken" / "docs" / "page.md")[0]
    assert f"ERROR   -  docs/page.md:{first_line}: situation: {first_text}" in result.stderr
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------- site_example


@pytest.fixture(scope="module")
def mkdocs_example(tmp_path_factory) -> Path:
    return built(SITE_EXAMPLE / "mkdocs.yml", tmp_path_factory.mktemp("site_example") / "site")


@pytest.fixture(scope="module")
def zensical_example(tmp_path_factory) -> Path:
    return zensical_built(SITE_EXAMPLE, tmp_path_factory.mktemp("site_example_zensical"))


@pytest.fixture(params=["mkdocs", "zensical"])
def site_example(request) -> Path:
    """site_example as `mkdocs build` (the plugin) and as `zensical build` (the fence) made it."""
    return request.getfixturevalue(f"{request.param}_example")


def directives(page: Path) -> list[str]:
    """The body of every arena-snippet block of a page, found by superfences as a build finds them."""
    found: list[str] = []

    def record(source, language, css_class, options, md, **kwargs):
        found.append(source)
        return ""

    fence = {"name": "arena-snippet", "class": "arena-snippet", "format": record}
    markdown.Markdown(
        extensions=["pymdownx.superfences"],
        extension_configs={"pymdownx.superfences": {"custom_fences": [fence]}},
    ).convert(page.read_text(encoding="utf-8"))
    return found


REFERENCE_SECTIONS = [
    "Components block",
    "Deployment code tabs",
    "Arena client (sketch)",
    "Arena CLI",
    "Manual HTTP",
    "Chat playground",
    "Expand row requirements",
    "External callers",
    "See also",
]


def test_site_example_invoke_page_follows_the_reference(site_example):
    page = article(site_example / "index.html")
    assert heading(page.select_one("h1")) == "Invoke an agent"
    sections = [heading(h) for h in page.select("h2")]
    assert sections == REFERENCE_SECTIONS
    assert len(tab_sets(page)) == len(directives(SITE_EXAMPLE / "docs" / "index.md"))
    # The six situations, each with its whole panel under its own heading.
    for situation, rule in rule_table().situations.items():
        h3 = next(h for h in page.select("h3") if heading(h) == rule.title)
        assert_tab_set(h3.find_next("div", class_="tabbed-set"), titles(situation))
    assert_clean(str(page))


def test_site_example_plain_page_has_no_tabs(site_example):
    page = article(site_example / "plain-output" / "index.html")
    assert page.select("div.tabbed-set") == []
    assert [heading(h) for h in page.select("h4")] == titles("gym") + titles("llm")
    assert all(code.find_parent("div", class_="highlight") for code in page.select("pre code"))
    assert_clean(str(page))


def test_site_example_writing_page_keeps_the_literal_block(site_example):
    page = article(site_example / "writing-snippets" / "index.html")
    literal = page.select_one("div.language-markdown")
    assert "```arena-snippet" in literal.get_text()
    [tab_set] = tab_sets(page)
    assert labels(tab_set) == titles("gym", ["arena_client", "manual_http"])
    assert '"lunar-dqn"' in tab_set.get_text()


def page_html(site: Path, name: str) -> Path:
    return site / "index.html" if name == "index" else site / name / "index.html"


def snippet_codes(page) -> list[str]:
    """The code of every code block in page order, but a Markdown block shown as text."""
    return [
        code.get_text().rstrip("\n")
        for code in page.select("pre code")
        if code.find_parent(class_="language-markdown") is None
    ]


def expected_codes(source: Path, options: SiteOptions | None = None) -> list[str]:
    """What the page's blocks hold, rendered now through the public render."""
    codes = []
    for body in directives(source):
        rendered = render_block(body, options or SiteOptions(), can_tab=True)
        codes += [snippet.code for tab in rendered.tabs for snippet in tab.snippets]
    return codes


def shape(page) -> list[tuple[str, str]]:
    """Tab labels (outer and inner) and plain-style headings, in page order."""
    return [(el.name, heading(el)) for el in page.select(".tabbed-labels > label, h4, h5")]


EXAMPLE_PAGES = ["index", "plain-output", "writing-snippets"]


@pytest.mark.parametrize("name", EXAMPLE_PAGES)
def test_mkdocs_and_zensical_builds_carry_the_same_snippets(mkdocs_example, zensical_example, name):
    by_mkdocs = article(page_html(mkdocs_example, name))
    by_zensical = article(page_html(zensical_example, name))
    # site_example sets the built-in defaults as its options.
    expected = expected_codes(SITE_EXAMPLE / "docs" / f"{name}.md")
    assert expected
    assert snippet_codes(by_mkdocs) == expected
    assert snippet_codes(by_zensical) == expected
    assert shape(by_zensical) == shape(by_mkdocs)
    highlight = [div["class"] for div in by_mkdocs.select("div.highlight")]
    assert [div["class"] for div in by_zensical.select("div.highlight")] == highlight


# ---------------------------------------------------------------- the custom fence


@pytest.fixture(scope="module")
def fence_sites(tmp_path_factory) -> dict[str, Path]:
    """The README's fence set-up alone, built by MkDocs and by Zensical (mkdocs.yml and zensical.toml)."""
    into = tmp_path_factory.mktemp("fence")
    return {
        "mkdocs": built(FIXTURES / "fence" / "mkdocs.yml", into / "mkdocs-site"),
        "zensical": zensical_built(FIXTURES / "fence", into / "yml"),
        "zensical.toml": zensical_built(FIXTURES / "fence", into / "toml", "zensical.toml"),
    }


def test_the_fence_alone_renders_every_situation_under_both_tools(fence_sites):
    source = FIXTURES / "fence" / "docs" / "index.md"
    found = directives(source)
    assert {deployment(parse(body)[0]).situation for body in found} == set(rule_table().situations)
    expected = expected_codes(source)
    shapes = {}
    for tool, site in fence_sites.items():
        page = article(site / "index.html")
        assert snippet_codes(page) == expected, tool
        assert "arena-snippet" not in page.get_text() and "situation:" not in page.get_text(), tool
        sets = tab_sets(page)
        assert len(sets) == len(found), tool
        for tab_set, body in zip(sets, found, strict=True):
            rendered = render_block(body, SiteOptions(), can_tab=True)
            languages = parse(body)[0].languages
            assert_tab_set(tab_set, [tab.title for tab in rendered.tabs], languages=languages)
        shapes[tool] = shape(page)
        assert_clean(str(page))
    assert shapes["zensical"] == shapes["mkdocs"] == shapes["zensical.toml"]


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if "snippetgen" in line]


def test_a_bad_block_fails_the_zensical_build_with_one_line(tmp_path):
    project = copied(FIXTURES / "fence-broken", tmp_path)
    result = zensical_build(project)
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    [(line, text)] = expected_warnings(project / "docs" / "page.md")
    [error] = error_lines(result.stdout + result.stderr)
    assert error.startswith(f"Error: snippetgen: docs/page.md:{line}: {text}: ")
    assert not (project / "site" / "page" / "index.html").exists()


def test_a_bad_block_fails_the_mkdocs_build_with_one_line(tmp_path):
    config = FIXTURES / "fence-broken" / "mkdocs.yml"
    result = mkdocs_build(config, tmp_path / "site", strict=False)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    [(line, text)] = expected_warnings(FIXTURES / "fence-broken" / "docs" / "page.md")
    [error] = error_lines(result.stderr)
    assert error.startswith(f"ERROR   -  snippetgen: docs/page.md:{line}: {text}: ")


ZENSICAL_BAD_BLOCKS = [case for case in BAD_BLOCKS if case[0]][:6]


@pytest.mark.parametrize(("body", "expected"), ZENSICAL_BAD_BLOCKS)
def test_zensical_names_the_field_of_each_bad_block(tmp_path, body, expected):
    project = copied(FIXTURES / "fence-broken", tmp_path)
    page = "# Page\n\nText.\n\n```arena-snippet\n" + body + "\n```\n"
    (project / "docs" / "page.md").write_text(page, encoding="utf-8")
    result = zensical_build(project)
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    [error] = error_lines(result.stdout + result.stderr)
    assert error.startswith("Error: snippetgen: docs/page.md:")
    assert expected in error
    line = int(error.split(":")[3])
    assert 6 <= line <= 6 + body.count("\n")


# ---------------------------------------------------------------- packaging


def test_wheel_ships_the_plugin_and_its_entry_point(tmp_path):
    out = tmp_path / "wheel"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
    )
    [wheel] = out.glob("snippetgen-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for module in sorted((ROOT / "mkdocs_plugin" / "snippetgen_mkdocs").glob("*.py")):
        assert f"snippetgen_mkdocs/{module.name}" in names
    assert not [n for n in names if n.startswith("mkdocs_plugin/")]
    [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[mkdocs.plugins]\nsnippetgen = snippetgen_mkdocs.plugin:SnippetgenPlugin" in text

    # Installed on its own (dependencies from this environment), it builds a site.
    target = tmp_path / "target"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    result = mkdocs_build(
        FIXTURES / "plain" / "mkdocs.yml", tmp_path / "site", env={"PYTHONPATH": str(target)}
    )
    assert result.returncode == 0, result.stderr
    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import snippetgen_mkdocs, snippetgen; print(snippetgen_mkdocs.__file__, snippetgen.__file__)",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(target)},
        cwd=tmp_path,
    )
    assert all(path.startswith(str(target)) for path in where.stdout.split()), where.stdout


# ---------------------------------------------------------------- mkdocs serve


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(lines: queue.Queue, text: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    seen = []
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        seen.append(line)
        if text in line:
            return line
    raise AssertionError(f"mkdocs serve never said {text!r}; it said:\n" + "".join(seen))


def test_serve_rebuilds_when_a_template_changes():
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "serve",
            "-f",
            str(FIXTURES / "plain" / "mkdocs.yml"),
            "--dev-addr",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    lines: queue.Queue = queue.Queue()

    def read():
        for line in server.stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    template = TEMPLATE_DIR / rule_table().template("documented", "gym", "arena_client", "python")
    before = template.stat()
    try:
        wait_for(lines, "Serving on", 120)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60) as response:
            assert "YOUR_DEPLOYMENT_NAME" in response.read().decode()
        os.utime(template)  # a save without a change: only the watcher notices
        wait_for(lines, "Detected file changes", 60)
        wait_for(lines, "Building documentation", 60)
        wait_for(lines, "Reloading browsers", 60)
    finally:
        os.utime(template, ns=(before.st_atime_ns, before.st_mtime_ns))
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
