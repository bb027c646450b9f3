"""site_example in a real browser, as `mkdocs build` and as `zensical build` made it.

Every tab label shows its code, with a copy button. Chromium is Debian's
(`tests/run.sh` installs it); Playwright drives it through `executable_path`,
since Playwright's own browser download is not available. Pages are served on
127.0.0.1 and any request for another host is refused and fails the test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from site_builds import built, serve, zensical_built

ROOT = Path(__file__).parents[1]
SITE_EXAMPLE = ROOT / "site_example"
CHAT_TEXT = "Generate URL"
SECRETS = ("example-key", "arena.example.com")
# Material's copy button (`content.code.copy`): its markup changed across releases,
# its clipboard target did not.
COPY_BUTTON = "button[data-clipboard-target]"


@pytest.fixture(scope="module", params=["mkdocs", "zensical"])
def site_url(request, tmp_path_factory):
    """site_example built by MkDocs (the plugin) or Zensical (the fence), served until the module ends."""
    into = tmp_path_factory.mktemp(f"browser-{request.param}")
    if request.param == "mkdocs":
        site = built(SITE_EXAMPLE / "mkdocs.yml", into / "site")
    else:
        site = zensical_built(SITE_EXAMPLE, into)
    yield from serve(site)


def top_level_sets(page):
    """Tab sets not nested in another, tagged so each can be found again."""
    count = page.evaluate("""() => {
            const sets = [...document.querySelectorAll("article .tabbed-set")]
                .filter(s => !s.parentElement.closest(".tabbed-set"));
            sets.forEach((s, i) => s.setAttribute("data-test-set", String(i)));
            return sets.length;
        }""")
    return [page.locator(f'[data-test-set="{i}"]') for i in range(count)]


def children(tab_set):
    labels = tab_set.locator(":scope > .tabbed-labels > label")
    blocks = tab_set.locator(":scope > .tabbed-content > .tabbed-block")
    count = labels.count()
    assert count == blocks.count() > 0
    return [(labels.nth(i), blocks.nth(i)) for i in range(count)]


# What a tab holds, read in one round trip once Playwright has seen it visible.
TAB_STATE = """(block, selector) => {
    const code = block.querySelector("pre code");
    const button = block.querySelector(selector);
    const target = button && document.querySelector(button.dataset.clipboardTarget);
    return {
        nested: block.querySelector(":scope > .tabbed-set") !== null,
        pre: block.querySelectorAll("pre").length,
        code: code ? code.innerText : null,
        codeVisible: code ? code.checkVisibility() : false,
        copied: target ? target.innerText : null,
        text: block.innerText,
    };
}"""


def shown(block) -> dict:
    expect(block).to_be_visible()
    return block.evaluate(TAB_STATE, COPY_BUTTON)


def assert_code_shown(state: dict):
    """The block's code is visible, and its copy button copies exactly that code."""
    assert state["codeVisible"]
    copied = state["copied"]
    assert copied and copied.strip() and copied == state["code"]
    for secret in SECRETS:
        assert secret not in copied


def click_through(tab_set) -> int:
    """Click every label of a tab set (and of tab sets nested in it); returns clicks made."""
    clicks = 0
    for label, block in children(tab_set):
        label.click()
        clicks += 1
        state = shown(block)
        if state["nested"]:
            for inner_label, inner_block in children(block.locator(":scope > .tabbed-set").first):
                inner_label.click()
                clicks += 1
                assert_code_shown(shown(inner_block))
        elif state["pre"]:
            assert_code_shown(state)
        else:
            assert CHAT_TEXT in state["text"]
    return clicks


def wait_for_copy_buttons(page):
    """The theme adds a copy button to every code block once the page has loaded."""
    codes = page.locator("article pre > code")
    assert codes.count() > 0
    expect(page.locator(f"article {COPY_BUTTON}")).to_have_count(codes.count())


def test_every_tab_of_the_invoke_page_shows_code_with_a_copy_button(page, site_url, tmp_path):
    page.goto(site_url)
    wait_for_copy_buttons(page)
    sets = top_level_sets(page)
    assert len(sets) >= 6
    clicks = sum(click_through(tab_set) for tab_set in sets)
    assert clicks > len(sets)
    shot = tmp_path / "invoke-an-agent.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000


def test_linked_tabs_follow_a_choice_across_the_page(page, site_url):
    page.goto(site_url)
    sets = top_level_sets(page)
    sets[0].locator(":scope > .tabbed-labels > label", has_text="Manual HTTP").click()
    for tab_set in sets:
        for label, block in children(tab_set):
            if label.inner_text().strip() == "Manual HTTP":
                expect(block).to_be_visible()


def test_plain_page_shows_code_without_tabs(page, site_url, tmp_path):
    page.goto(site_url + "plain-output/")
    assert page.locator("article .tabbed-set").count() == 0
    codes = page.locator("article pre code")
    assert codes.count() > 0
    for i in range(codes.count()):
        expect(codes.nth(i)).to_be_visible()
    wait_for_copy_buttons(page)
    page.screenshot(path=str(tmp_path / "plain-output.png"))
