"""The Sphinx extension: a small site (a reStructuredText page and a MyST page) built in process,
with and without sphinx_design, a broken site, incremental rebuilds, and the tabs in Chromium."""

from __future__ import annotations

import os
import re
import textwrap
import time
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from playwright.sync_api import expect

from site_builds import serve, sphinx_build
from snippetgen import Placeholders, render_panel
from snippetgen import sphinx as extension
from snippetgen.docs import Block, deployment
from snippetgen.rules import RULES_FILE, TEMPLATE_DIR, rule_table
from snippetgen.languages import LANGUAGES

MANUAL_HTTP = tuple(rule_table().tabs["manual_http"].languages)

FIXTURES = Path(__file__).parent / "fixtures" / "sphinx"
SITE, BROKEN = FIXTURES / "pages", FIXTURES / "broken"
PAGES = ["rst_page", "myst_page"]
ENDPOINT = "https://docs.example.org/deployments/YOUR_DEPLOYMENT"  # the site's conf.py
SECRET = "sk-fixture-0123456789abcdef"  # written in a block of the broken site
WITHOUT_DESIGN = ("-D", "extensions=myst_parser,snippetgen.sphinx")


def built(source: Path, out: Path, *args: str) -> Path:
    status, _, stderr = sphinx_build(source, out, "-q", "-W", *args)
    assert status == 0, stderr
    assert stderr == ""
    return out


@pytest.fixture(scope="module")
def tabbed_site(tmp_path_factory) -> Path:
    return built(SITE, tmp_path_factory.mktemp("sphinx-tabbed"))


@pytest.fixture(scope="module")
def plain_site(tmp_path_factory) -> Path:
    return built(SITE, tmp_path_factory.mktemp("sphinx-plain"), *WITHOUT_DESIGN)


def body(site: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((site / f"{page}.html").read_text(encoding="utf-8"), "html.parser").select_one(
        "div.body"
    )


def blocks_of(page: str) -> list[str]:
    """The YAML body of every arena-snippet block in a fixture page, in page order."""
    text = (SITE / (page + (".rst" if page.startswith("rst") else ".md"))).read_text(encoding="utf-8")
    if page.startswith("rst"):
        found = re.findall(r"^( *)\.\. arena-snippet::\n\n((?:\1   .*\n|\n)+)", text, re.MULTILINE)
        return [textwrap.dedent(lines).strip("\n") for _, lines in found]
    return re.findall(r"^```\{arena-snippet\}\n(.*?)\n```$", text, re.MULTILINE | re.DOTALL)


def expected_codes(body_text: str) -> list[str]:
    """What the block shows, straight from render_panel with the site's placeholders."""
    block = Block.model_validate(yaml.safe_load(body_text))
    names = {"name": block.name} if block.name is not None else {}
    panel = render_panel(
        deployment(block),
        profile=block.profile or "documented",
        key_display="placeholders",
        placeholders=Placeholders(endpoint=ENDPOINT, **names),
    )
    variant = block.variant or "request"
    return [
        snippet.code.rstrip("\n")
        for tab in panel.tabs
        if block.tabs is None or tab.id in block.tabs
        for snippet in tab.snippets
        if variant in ("both", snippet.variant)
    ]


def codes(page_body) -> list[str]:
    return [pre.get_text().rstrip("\n") for pre in page_body.select(".arena-snippet div.highlight pre")]


def test_fixture_pages_hold_every_situation():
    for page in PAGES:
        situations = [yaml.safe_load(b).get("situation") for b in blocks_of(page)]
        assert set(rule_table().situations) <= set(situations), page


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("site", ["tabbed_site", "plain_site"])
def test_the_code_is_render_panels(request, site, page):
    expected = [code for block in blocks_of(page) for code in expected_codes(block)]
    assert len(expected) > 20
    assert codes(body(request.getfixturevalue(site), page)) == expected
    assert any(ENDPOINT in code for code in expected)


@pytest.mark.parametrize("page", PAGES)
def test_code_is_highlighted_by_sphinx_with_the_languages_lexer(tabbed_site, page):
    found = {
        div["class"][0] for div in body(tabbed_site, page).select(".arena-snippet div[class^=highlight-]")
    }
    assert found == {f"highlight-{LANGUAGES[language].lexer}" for tab in rule_table().tabs.values()
                     for language in tab.languages}


@pytest.mark.parametrize("page", PAGES)
def test_tabs_are_sphinx_design_tab_sets_synced_by_tab_and_language(tabbed_site, page):
    page_body = body(tabbed_site, page)
    blocks = page_body.select("div.arena-snippet")
    tabbed = [b for b in blocks if b.select_one(":scope > .sd-tab-set")]
    assert len(tabbed) == len(blocks) - 1  # the last block asks for plain output
    first = tabbed[0].select_one(":scope > .sd-tab-set")
    outer = first.select(":scope > label")
    assert [label.get_text().strip() for label in outer] == ["Arena client", "Arena CLI", "Manual HTTP"]
    assert [label["data-sync-id"] for label in outer] == ["arena_client", "arena_cli", "manual_http"]
    assert {label["data-sync-group"] for label in outer} == {"snippetgen-tab"}
    inner = first.select(".sd-tab-content .sd-tab-set > label")
    assert [label.get_text().strip() for label in inner] == [LANGUAGES[language].title for language in MANUAL_HTTP]
    assert {label["data-sync-group"] for label in inner} == {"snippetgen-language"}
    llm = tabbed[3].select_one(":scope > .sd-tab-set > label")
    assert llm.get_text().strip() == "Chat playground"
    assert "Generate URL" in tabbed[3].select_one(".sd-tab-content").get_text()


@pytest.mark.parametrize("page", PAGES)
def test_without_sphinx_design_a_heading_per_tab(plain_site, page):
    page_body = body(plain_site, page)
    assert page_body.select(".sd-tab-set") == []
    headings = [h.get_text() for h in page_body.select(".arena-snippet > h4")]
    assert headings[:3] == ["Arena client", "Arena CLI", "Manual HTTP"]
    assert [h.get_text() for h in page_body.select(".arena-snippet > h5")][:3] == [
        "Python",
        "curl",
        "JavaScript",
    ]


def test_a_hostile_name_is_only_code(tabbed_site):
    for page in PAGES:
        page_body = body(tabbed_site, page)
        assert page_body.find("script") is None
        assert page_body.find("em", string="em") is None
        hostile = page_body.select("div.arena-snippet")[-1]
        assert "rm -rf ~" in codes(hostile.parent)[0]
        assert "rm -rf" not in "".join(t.get_text() for t in hostile.find_all(["h4", "h5", "p"]))


def test_the_readmes_conf_lines_and_blocks_build(tmp_path):
    section = (
        (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8").split("### Sphinx\n", 1)[1]
    )
    conf = re.search(r"```python\n(.*?)```", section, re.DOTALL)[1]
    rst = re.search(r"```rst\n(.*?)```", section, re.DOTALL)[1]
    myst = re.search(r"````markdown\n(.*?)````", section, re.DOTALL)[1]
    source = tmp_path / "docs"
    source.mkdir()
    (source / "conf.py").write_text(conf, encoding="utf-8")
    (source / "index.rst").write_text(f"Home\n====\n\n.. toctree::\n\n   page\n\n{rst}", encoding="utf-8")
    (source / "page.md").write_text(f"# Page\n\n{myst}", encoding="utf-8")
    out = built(source, tmp_path / "html")
    for page in ("index", "page"):
        assert body(out, page).select(".arena-snippet > .sd-tab-set")
        assert "arena.example.com/deployments/YOUR_DEPLOYMENT" in "".join(codes(body(out, page)))
    assert not (out / "_sources" / "page.md.txt").exists()


def expected_warnings(page: Path) -> list[tuple[int, str]]:
    """(line, text) of every `# expect: text` comment in a fixture page."""
    lines = page.read_text(encoding="utf-8").splitlines()
    return [(n, line.split("# expect: ", 1)[1]) for n, line in enumerate(lines, 1) if "# expect: " in line]


# Pages in the order Sphinx reads them, each with the files it includes.
BROKEN_PAGES = {BROKEN / "bad_myst.md": [], BROKEN / "bad_rst.rst": [BROKEN / "included.inc"]}


def test_a_bad_block_fails_dash_w_at_its_file_and_line(tmp_path):
    status, _, stderr = sphinx_build(BROKEN, tmp_path, "-q", "-W")
    assert status != 0
    assert "Traceback" not in stderr and "Exception occurred" not in stderr
    line, text = expected_warnings(BROKEN / "bad_myst.md")[0]
    assert f"bad_myst.md:{line}: " in stderr.splitlines()[0]
    assert text in stderr.splitlines()[0]


def test_every_bad_block_is_a_located_warning_and_an_error_box(tmp_path):
    status, _, stderr = sphinx_build(BROKEN, tmp_path, "-q")
    assert status == 0, stderr
    assert "Traceback" not in stderr
    warnings = [line for line in stderr.splitlines() if "WARNING" in line]
    files = [file for page, included in BROKEN_PAGES.items() for file in (page, *included)]
    expected = [(file, *e) for file in files for e in expected_warnings(file)]
    assert len(warnings) == len(expected) == 10
    for warning, (file, line, text) in zip(warnings, expected, strict=True):
        assert f"{file}:{line}: WARNING: arena-snippet: " in warning
        assert text in warning
    for page, included in BROKEN_PAGES.items():
        boxes = body(tmp_path, page.stem).select("div.admonition.error.snippetgen-error")
        in_page = [e for file in (page, *included) for e in expected_warnings(file)]
        assert len(boxes) == len(in_page)
        for box, (line, text) in zip(boxes, in_page, strict=True):
            assert box.select_one(".admonition-title").get_text() == "arena-snippet error"
            assert f"line {line}: " in box.get_text()
            assert text in box.get_text()
            assert "situation: gym" not in box.get_text()  # the block's text is not shown
    assert "arena login" in codes(body(tmp_path, "bad_rst"))[-1]


def test_a_key_written_in_a_block_never_reaches_the_site(tmp_path):
    sphinx_build(BROKEN, tmp_path, "-q")
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert any(path.suffix == ".html" for path in files)
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), path


def test_sphinx_would_publish_the_page_source_unless_told_not_to(tmp_path):
    """Why the README advises `html_copy_source = False`: the source copy holds each block as written."""
    sphinx_build(BROKEN, tmp_path, "-q", "-D", "html_copy_source=1")
    assert SECRET in (tmp_path / "_sources" / "bad_rst.rst.txt").read_text(encoding="utf-8")
    assert SECRET not in (tmp_path / "bad_rst.html").read_text(encoding="utf-8")


def test_an_unexpected_failure_is_a_warning_not_a_traceback(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("snippetgen.docs.render_panel", broken)
    status, _, stderr = sphinx_build(SITE, tmp_path, "-q")
    assert status == 0
    assert "Traceback" not in stderr
    assert "snippetgen failed on this block: RuntimeError: boom" in stderr
    assert (
        "snippetgen failed on this block"
        in body(tmp_path, "rst_page").select_one(".snippetgen-error").get_text()
    )


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("snippetgen_profile=nope", "conf.py snippetgen_profile: unknown profile 'nope'"),
        ("snippetgen_style=fancy", "conf.py snippetgen_style: Input should be 'auto', 'tabbed' or 'plain'"),
    ],
)
def test_a_bad_conf_value_stops_the_build_naming_it(tmp_path, setting, expected):
    status, _, stderr = sphinx_build(SITE, tmp_path, "-q", "-W", "-D", setting)
    assert status != 0
    # Not a block's fault: located at the first block's opening line (pages are read in name order).
    lines = (SITE / "myst_page.md").read_text(encoding="utf-8").splitlines()
    first = next(n for n, line in enumerate(lines, 1) if "{arena-snippet}" in line)
    assert f"myst_page.md:{first}: WARNING: arena-snippet: {expected}" in stderr.splitlines()[0]
    assert "Traceback" not in stderr


def test_conf_values_set_the_site_options(tmp_path):
    out = built(SITE, tmp_path, *WITHOUT_DESIGN, "-D", "snippetgen_heading_level=3")
    assert [h.get_text() for h in body(out, "rst_page").select(".arena-snippet > h3")][:1] == ["Arena client"]


def read_pages(stdout: str) -> list[str]:
    """The pages a build read, from its status lines."""
    return re.findall(r"reading sources\.\.\. \[ *\d+%\] (\S+)", stdout)


def test_a_template_edit_or_a_new_version_rebuilds_the_pages_with_blocks(tmp_path, monkeypatch):
    sphinx_build(SITE, tmp_path)
    assert read_pages(sphinx_build(SITE, tmp_path)[1]) == []
    for touched in (next(TEMPLATE_DIR.rglob("*.jinja")), RULES_FILE):
        before = touched.stat()
        try:
            later = max(before.st_mtime, time.time()) + 2
            os.utime(touched, (later, later))
            assert sorted(read_pages(sphinx_build(SITE, tmp_path)[1])) == sorted(PAGES)
        finally:
            os.utime(touched, ns=(before.st_atime_ns, before.st_mtime_ns))
    monkeypatch.setattr(extension, "VERSION", extension.VERSION + ".post1")
    assert sorted(read_pages(sphinx_build(SITE, tmp_path)[1])) == sorted(["index", *PAGES])


# ---------------------------------------------------------------- in Chromium


@pytest.fixture(scope="module")
def site_url(tabbed_site):
    yield from serve(tabbed_site)


def outer_sets(page):
    return page.locator("div.arena-snippet > .sd-tab-set")


def tab(tab_set, label: str):
    """(label, content) of the tab of a set with this label text."""
    labels = tab_set.locator(":scope > label")
    for i in range(labels.count()):
        if labels.nth(i).inner_text().strip() == label:
            return labels.nth(i), tab_set.locator(":scope > .sd-tab-content").nth(i)
    raise AssertionError(f"no tab {label!r}")


@pytest.mark.parametrize("name", PAGES)
def test_tabs_switch_and_follow_a_choice_across_the_page(page, site_url, name):
    page.goto(f"{site_url}{name}.html")
    sets = outer_sets(page)
    assert sets.count() >= 7
    label, content = tab(sets.first, "Arena CLI")
    expect(content).not_to_be_visible()
    label.click()
    expect(content).to_be_visible()
    expect(content.locator("pre")).to_contain_text("arena")
    tab(sets.first, "Manual HTTP")[0].click()
    for i in range(sets.count()):
        labels = [t.strip() for t in sets.nth(i).locator(":scope > label").all_inner_texts()]
        if "Manual HTTP" in labels:
            expect(tab(sets.nth(i), "Manual HTTP")[1]).to_be_visible()
    inner = page.locator(".sd-tab-content > .sd-tab-set")
    assert inner.count() >= 2
    label, content = tab(inner.first, "curl")
    label.click()
    expect(content).to_be_visible()
    expect(content.locator("pre")).to_contain_text("curl")
    for i in range(inner.count()):
        labels = [t.strip() for t in inner.nth(i).locator(":scope > label").all_inner_texts()]
        if "curl" in labels:
            expect(tab(inner.nth(i), "curl")[1]).to_be_visible()
