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


# Tags every tab block of the article with its place, and its labels with the same number:
# block i is shown by clicking label i (and, for a nested block, its outer block's label).
TAG_BLOCKS = """() => {
    const sets = [...document.querySelectorAll("article .tabbed-set")];
    let n = 0;
    const outer = [];
    for (const set of sets) {
        const labels = set.querySelectorAll(":scope > .tabbed-labels > label");
        const blocks = set.querySelectorAll(":scope > .tabbed-content > .tabbed-block");
        if (labels.length !== blocks.length || labels.length === 0) return null;
        const parent = set.parentElement.closest(".tabbed-block");
        blocks.forEach((block, i) => {
            block.dataset.testBlock = labels[i].dataset.testLabel = String(n);
            outer.push(parent ? Number(parent.dataset.testBlock) : null);
            n += 1;
        });
    }
    return {outer, topLevel: sets.filter(s => !s.parentElement.closest(".tabbed-set")).length};
}"""

# What every visible tab block holds, read in one round trip.
VISIBLE_BLOCKS = """(selector) => [...document.querySelectorAll("article [data-test-block]")]
    .filter(block => block.checkVisibility())
    .map(block => {
        const code = block.querySelector("pre code");
        const button = block.querySelector(selector);
        const target = button && document.querySelector(button.dataset.clipboardTarget);
        return {
            block: Number(block.dataset.testBlock),
            nested: block.querySelector(":scope > .tabbed-set") !== null,
            pre: block.querySelectorAll("pre").length,
            code: code ? code.innerText : null,
            codeVisible: code ? code.checkVisibility() : false,
            copied: target ? target.innerText : null,
            text: block.innerText,
        };
    })"""


def assert_code_shown(state: dict):
    """The block's code is visible, and its copy button copies exactly that code."""
    assert state["codeVisible"]
    copied = state["copied"]
    assert copied and copied.strip() and copied == state["code"]
    for secret in SECRETS:
        assert secret not in copied


def click_through(page) -> tuple[int, int, int]:
    """Show every tab block of the page by clicking its labels, as a reader would, and check
    what each holds once it shows; returns (top-level tab sets, blocks, clicks made). Linked
    tabs switch many blocks at a click: each block is read the first time it is visible."""
    tags = page.evaluate(TAG_BLOCKS)
    assert tags is not None, "a tab set whose labels and blocks do not pair up"
    outer = tags["outer"]
    seen: dict[int, dict] = {}
    clicks = 0

    def read_visible():
        for state in page.evaluate(VISIBLE_BLOCKS, COPY_BUTTON):
            seen.setdefault(state["block"], state)

    def reveal(block: int):
        nonlocal clicks
        if outer[block] is not None and not page.locator(f'[data-test-block="{outer[block]}"]').is_visible():
            reveal(outer[block])
        page.locator(f'label[data-test-label="{block}"]').click()
        clicks += 1
        expect(page.locator(f'[data-test-block="{block}"]')).to_be_visible()

    read_visible()
    for block in range(len(outer)):
        if block not in seen:
            reveal(block)
            read_visible()
    for block, state in sorted(seen.items()):
        if state["nested"]:
            continue
        if state["pre"]:
            assert_code_shown(state)
        else:
            assert CHAT_TEXT in state["text"], f"block {block} holds neither code nor the chat"
    assert sorted(seen) == list(range(len(outer)))
    return tags["topLevel"], len(outer), clicks


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


def wait_for_copy_buttons(page):
    """The theme adds a copy button to every code block once the page has loaded."""
    codes = page.locator("article pre > code")
    assert codes.count() > 0
    expect(page.locator(f"article {COPY_BUTTON}")).to_have_count(codes.count())


def test_every_tab_of_the_invoke_page_shows_code_with_a_copy_button(page, site_url, tmp_path):
    page.goto(site_url)
    wait_for_copy_buttons(page)
    sets, blocks, clicks = click_through(page)
    assert sets >= 6
    # Nested language tabs: more blocks than sets, and some shown only by a click.
    assert blocks > 2 * sets and clicks > 0
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
