"""The reference panel page in a real browser (Debian's Chromium through Playwright).

The service runs with the sandbox, so rotate, the chat playground and copied
snippets work end to end; every request the browser makes is recorded, and any
that would leave 127.0.0.1 is refused and fails the test.
"""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import expect

from serve_support import RunningService, wait_until
from snippetgen import format_conversation, generate_request, read_completion, render_panel, render_snippet
from snippetgen.sandbox import answers
from snippetgen.rules import rule_table
from snippetgen.serve import ServiceSettings, create_app
from snippetgen.serve.page import reference_deployments, snippet_title
from snippetgen.languages import LANGUAGES

MANUAL_HTTP = tuple(rule_table().tabs["manual_http"].languages)

WAIT_MS = 60_000
SITUATION_TITLES = {s: rule.title for s, rule in rule_table().situations.items()}


@pytest.fixture(scope="module")
def live():
    """The service with the sandbox beside it, on a free 127.0.0.1 port."""
    app = create_app(ServiceSettings(sandbox=True))
    with RunningService(app) as service:
        service.sandbox = app.state.rows.sandbox
        yield service


@pytest.fixture(scope="module")
def examples_only():
    with RunningService(create_app(ServiceSettings())) as service:
        yield service


class Visit:
    """A browser context that records every request and refuses any that leaves 127.0.0.1."""

    def __init__(self, browser, base_url: str, **options):
        self.requests: list[str] = []
        self.refused: list[str] = []
        self.context = browser.new_context(
            base_url=base_url,
            viewport={"width": 1280, "height": 900},
            reduced_motion="reduce",
            permissions=["clipboard-read", "clipboard-write"],
            **options,
        )
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(WAIT_MS)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _route(self, route):
        url = route.request.url
        self.requests.append(url)
        if urlsplit(url).hostname != "127.0.0.1" and not url.startswith("data:"):
            self.refused.append(url)
            route.abort()
        else:
            route.continue_()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser, live):
    opened = Visit(browser, live.url)
    yield opened
    opened.close()
    assert not opened.refused, f"requests left 127.0.0.1: {opened.refused}"
    assert not opened.errors, f"script errors: {opened.errors}"


def open_row(page, name: str):
    row = page.locator("details.agent").filter(has=page.locator("summary .agent-name", has_text=name))
    expect(row).to_have_count(1)
    if row.get_attribute("open") is None:
        row.locator("summary").click()
    expect(row.locator("[data-panel]")).to_be_visible()
    return row


def tab_titles(tablist) -> list[str]:
    return [t.strip() for t in tablist.locator(":scope > [role=tab]").all_inner_texts()]


def selected_title(tablist) -> str:
    return tablist.locator(":scope > [role=tab][aria-selected=true]").inner_text().strip()


def page_source(page) -> str:
    return page.content() + page.locator("body").inner_text()


def live_key(live, name: str) -> str:
    return live.sandbox.deployment(name).api_key.get_secret_value()


# ---------------------------------------------------------------- rows, tabs, order


def test_every_situation_has_its_row_with_tabs_in_the_pages_order(visit, live):
    page = visit.page
    page.goto("/")
    expect(page.locator("details.agent")).to_have_count(len(reference_deployments()))
    for deployment in live.sandbox.deployments:
        panel = render_panel(deployment)
        row = open_row(page, deployment.name)
        summary = row.locator("summary")
        expect(summary.locator("[data-fact=situation]")).to_have_text(
            f"Situation: {SITUATION_TITLES[panel.situation]}"
        )
        expect(summary.locator("[data-fact=status]")).to_contain_text(deployment.status)
        if not panel.expanded:
            expect(row.locator(".not-ready-message")).to_have_text("No deployment found for this agent")
            expect(row.locator(".hint")).to_have_text(panel.hint)
            if panel.warning:
                expect(row.locator("[data-warning]")).to_contain_text(deployment.status)
            expect(row.locator("[role=tab]")).to_have_count(0)
            continue
        expect(row.locator("[data-warning]")).to_have_count(0)
        key = row.locator("[data-component=api_key] [data-display]")
        expect(key).to_have_text(panel.components[0].display)
        expect(row.locator("[data-component=endpoint] [data-display]")).to_have_text(deployment.endpoint)
        code_tabs = row.locator(".tabs:not(.top):not(.languages) > [role=tablist]").first
        titles = [tab.title for tab in panel.tabs]
        if panel.situation == "llm":
            top = row.locator(".tabs.top > [role=tablist]")
            assert tab_titles(top) == ["Chat playground", "Deployment code"]
            assert titles[0] == "Chat playground" and panel.default_tab == "chat_playground"
            assert selected_title(top) == "Chat playground"
            expect(row.locator("[data-tab-panel=chat_playground]")).to_be_visible()
            expect(code_tabs).to_be_hidden()
            top.get_by_role("tab", name="Deployment code").click()
        else:
            assert "Chat playground" not in titles
            expect(row.locator(".tabs.top")).to_have_count(0)
        assert tab_titles(code_tabs) == [t for t in titles if t != "Chat playground"]
        assert tab_titles(code_tabs) == ["Arena client", "Arena CLI", "Manual HTTP"]
        assert selected_title(code_tabs) == "Arena client"
        manual = next(tab for tab in panel.tabs if tab.id == "manual_http")
        languages = row.locator("[data-tab-panel=manual_http] .tabs.languages > [role=tablist]")
        # A variant's tab says which it is: "Python (Stream)" beside "Python".
        assert tab_titles(languages) == [snippet_title(s) for s in manual.snippets]
        assert ("Python (Stream)" in tab_titles(languages)) == (panel.situation == "llm")
        # Each shown snippet is the library's shown code, with its install hint.
        code_tabs.get_by_role("tab", name="Arena client").click()
        client = next(tab for tab in panel.tabs if tab.id == "arena_client").snippets[0]
        figure = row.locator("figure[data-tab=arena_client][data-variant=request]")
        expect(figure.locator("pre")).to_have_text(client.code.rstrip("\n"))
        expect(figure.locator(".install code")).to_have_text(client.install)
        row.locator("summary").click()


def test_the_page_reads_without_javascript(browser, live):
    visit = Visit(browser, live.url, java_script_enabled=False)
    try:
        page = visit.page
        page.goto("/")
        row = open_row(page, "cartpole-ppo")
        expect(row.get_by_role("tab")).to_have_count(0)
        for heading in (
            "Deployment code",
            "Arena client",
            "Arena CLI",
            "Manual HTTP",
            *(LANGUAGES[language].title for language in MANUAL_HTTP),
        ):
            expect(row.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        # One per tab, Manual HTTP one per language.
        expect(row.locator("figure.snippet pre")).to_have_count(2 + len(MANUAL_HTTP))
        for code in row.locator("figure.snippet pre").all():
            expect(code).to_be_visible()
        assert not visit.refused
    finally:
        visit.close()


def test_tabs_follow_the_aria_tabs_pattern_by_keyboard(visit):
    page = visit.page
    page.goto("/")
    row = open_row(page, "cartpole-recurrent")
    tablist = row.locator(".tabs:not(.languages) > [role=tablist]").first
    expect(tablist).to_have_attribute("aria-label", "Deployment code")
    tabs = tablist.get_by_role("tab")
    first = tabs.nth(0)
    first.focus()

    def state() -> tuple[str, str]:
        focused = page.evaluate("document.activeElement.textContent.trim()")
        return focused, selected_title(tablist)

    page.keyboard.press("ArrowRight")
    assert state() == ("Arena CLI", "Arena CLI")
    page.keyboard.press("ArrowRight")
    assert state() == ("Manual HTTP", "Manual HTTP")
    page.keyboard.press("ArrowRight")
    assert state() == ("Arena client", "Arena client")
    page.keyboard.press("ArrowLeft")
    assert state() == ("Manual HTTP", "Manual HTTP")
    page.keyboard.press("Home")
    assert state() == ("Arena client", "Arena client")
    page.keyboard.press("End")
    assert state() == ("Manual HTTP", "Manual HTTP")
    for i in range(3):
        tab = tabs.nth(i)
        panel = page.locator(f"#{tab.get_attribute('aria-controls')}")
        selected = tab.get_attribute("aria-selected") == "true"
        assert tab.get_attribute("tabindex") == ("0" if selected else "-1")
        expect(panel).to_have_attribute("role", "tabpanel")
        expect(panel).to_have_attribute("aria-labelledby", tab.get_attribute("id"))
        (expect(panel).to_be_visible if selected else expect(panel).to_be_hidden)()
    # Tab leaves the tablist for the selected panel, then its language tabs; arrows work there too.
    page.keyboard.press("Tab")
    manual = tablist.get_by_role("tab", name="Manual HTTP").get_attribute("aria-controls")
    assert page.evaluate("document.activeElement.id") == manual
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Python"
    page.keyboard.press("ArrowRight")
    languages = row.locator(".tabs.languages > [role=tablist]")
    assert selected_title(languages) == "curl"
    # Every button has a name a screen reader can say.
    for button in row.locator("button").all():
        assert (button.get_attribute("aria-label") or button.inner_text()).strip()


# ---------------------------------------------------------------- copy: the real key, never shown


def test_copy_gives_the_real_values_while_the_page_never_shows_the_key(visit, live):
    page = visit.page
    page.goto("/")
    row = open_row(page, "cartpole-ppo")
    deployment = live.sandbox.deployment("cartpole-ppo")
    key = live_key(live, "cartpole-ppo")

    row.get_by_role("button", name="Copy API key").click()
    expect(row.get_by_role("button", name="Copy API key")).to_have_attribute("data-copied", "true")
    assert page.evaluate("navigator.clipboard.readText()") == key
    row.get_by_role("button", name="Copy Endpoint").click()
    expect(row.get_by_role("button", name="Copy Endpoint")).to_have_attribute("data-copied", "true")
    assert page.evaluate("navigator.clipboard.readText()") == deployment.endpoint

    row.get_by_role("tab", name="Manual HTTP").click()
    row.locator(".tabs.languages").get_by_role("tab", name="curl").click()
    button = row.get_by_role("button", name="Copy Manual HTTP curl code")
    button.click()
    expect(button).to_have_attribute("data-copied", "true")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == render_snippet(deployment, "manual_http", language="curl").copy_code
    assert key in copied
    assert key not in page_source(page)
    # The answers the page fetched are not kept anywhere in the document.
    assert key not in page.evaluate("document.documentElement.outerHTML")


def test_a_copied_manual_http_snippet_runs_as_pasted(visit, live, tmp_path):
    page = visit.page
    page.goto("/")
    row = open_row(page, "cartpole-ppo")
    row.get_by_role("tab", name="Manual HTTP").click()
    button = row.get_by_role("button", name="Copy Manual HTTP Python code")
    button.click()
    expect(button).to_have_attribute("data-copied", "true")
    script = tmp_path / "manual_http.py"
    script.write_text(page.evaluate("navigator.clipboard.readText()"), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("action:")


# ---------------------------------------------------------------- rotate


def test_rotate_asks_first_then_the_old_key_stops_working(visit, live):
    name = "pendulum-latent"
    page = visit.page
    page.goto("/")
    row = open_row(page, name)
    old = live_key(live, name)
    endpoint = live.sandbox.deployment(name).endpoint
    shown_before = row.locator("[data-component=api_key] [data-display]").inner_text()

    rotate = row.get_by_role("button", name="Rotate deployment API key")
    rotate.click()
    dialog = page.get_by_role("dialog", name="Rotate deployment API key?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(name)
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert live_key(live, name) == old

    rotate.click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Rotate key").click()
    expect(dialog).to_be_hidden()
    shown = row.locator("[data-component=api_key] [data-display]")
    expect(shown).not_to_have_text(shown_before)
    new = live_key(live, name)
    assert new != old

    body = {"inputs": None}
    with httpx.Client(timeout=60, trust_env=False) as c:
        refused = c.post(f"{endpoint}/predict", json=body, headers={"Authorization": f"Bearer {old}"})
        assert refused.status_code == 401
        accepted = c.get(f"{endpoint}/status", headers={"Authorization": f"Bearer {new}"})
        assert accepted.status_code == 200

    # The row re-rendered with the new key: copy gives it, the screen shows neither key.
    expect(shown).to_have_text(render_panel(live.sandbox.deployment(name)).components[0].display)
    row.get_by_role("button", name="Copy API key").click()
    expect(row.get_by_role("button", name="Copy API key")).to_have_attribute("data-copied", "true")
    assert page.evaluate("navigator.clipboard.readText()") == new
    text = page_source(page)
    assert new not in text and old not in text


# ---------------------------------------------------------------- chat


def test_chat_playground_round_trip(visit, live):
    name = "gsm8k-grpo"
    page = visit.page
    page.goto("/")
    row = open_row(page, name)
    chat = row.locator("[data-chat]")
    expect(chat).to_be_visible()
    box = chat.get_by_label("Message")
    messages = []
    for text in ("What is 2 + 2?", "And times three?"):
        box.fill(text)
        box.press("Enter")
        messages.append({"role": "user", "content": text})
        # What the deployment answers this conversation, asked directly.
        request = generate_request(live.sandbox.deployment(name), messages)
        assert request.json_body["prompts"] == [format_conversation(messages)]
        with httpx.Client(timeout=60, trust_env=False) as c:
            reply = read_completion(
                c.post(request.url, headers=request.headers, json=request.json_body).json()
            )
        messages.append({"role": "assistant", "content": reply})
        turns = chat.locator(".turn")
        expect(turns).to_have_count(len(messages))
        # The reply streams in: the turn is done when it is no longer busy.
        expect(turns.last).to_have_text(f"Assistant: {reply}")
        expect(turns.last).not_to_have_attribute("aria-busy", "true")
    expect(turns).to_have_text(
        [f"{'User' if m['role'] == 'user' else 'Assistant'}: {m['content']}" for m in messages]
    )
    assert live_key(live, name) not in page_source(page)

    chat.get_by_role("button", name="Clear conversation").click()
    expect(chat.locator(".turn")).to_have_count(0)


def start_turn(page, name: str, text: str):
    """Open the row, send one message; returns (chat, the assistant's turn)."""
    page.goto("/")
    chat = open_row(page, name).locator("[data-chat]")
    box = chat.get_by_label("Message")
    box.fill(text)
    box.press("Enter")
    return chat, chat.locator(".turn.assistant").last


def test_the_reply_shows_as_it_streams_before_the_stream_ends(visit, live):
    name = "gsm8k-grpo"
    prompt = format_conversation([{"role": "user", "content": "Stream, please."}])
    words = answers.completion(prompt).split(" ")
    with live.sandbox.streams.hold_last() as release:
        chat, reply = start_turn(visit.page, name, "Stream, please.")
        # Every chunk but the last has arrived and is shown; the last is held back.
        expect(reply).to_have_text("Assistant: " + " ".join(words[:-1]) + " ")
        expect(reply).to_have_attribute("aria-busy", "true")
        expect(chat.get_by_role("button", name="Stop")).to_be_visible()
        # One turn at a time: Enter now keeps the text for the next turn.
        box = chat.get_by_label("Message")
        box.fill("Too soon.")
        box.press("Enter")
        expect(box).to_have_value("Too soon.")
        expect(chat.locator(".turn")).to_have_count(2)
        release.set()
        expect(reply).to_have_text("Assistant: " + " ".join(words))
    expect(reply).not_to_have_attribute("aria-busy", "true")
    expect(chat.get_by_role("button", name="Stop")).to_be_hidden()
    calls = [r for r in live.sandbox.received if r.path.endswith("/generate_stream") and r.body["prompt"] == prompt]
    assert len(calls) == 1 and calls[0].token == live_key(live, name)


def test_stop_cancels_the_stream_and_keeps_the_partial_reply(visit, live):
    name = "gsm8k-grpo"
    prompt = format_conversation([{"role": "user", "content": "Then stop."}])
    words = answers.completion(prompt).split(" ")
    with live.sandbox.streams.hold_last():
        chat, reply = start_turn(visit.page, name, "Then stop.")
        expect(reply).to_contain_text(words[0])
        wait_until(lambda: live.sandbox.streams.open == 1, "the deployment's stream is not open")
        chat.get_by_role("button", name="Stop").click()
        expect(reply).to_have_attribute("data-stopped", "true")
        expect(reply).to_have_text("Assistant: " + " ".join(words[:-1]) + " " + " [stopped]")
        # The service closed its call to the deployment while the last chunk was still held.
        wait_until(lambda: live.sandbox.streams.open == 0, "the deployment's stream was never closed")
    expect(chat.get_by_role("button", name="Stop")).to_be_hidden()
    expect(chat.get_by_role("button", name="Send")).to_be_enabled()
    # The conversation goes on, the stopped reply in it.
    box = chat.get_by_label("Message")
    box.fill("Go on.")
    box.press("Enter")
    messages = [
        {"role": "user", "content": "Then stop."},
        {"role": "assistant", "content": " ".join(words[:-1]) + " "},
        {"role": "user", "content": "Go on."},
    ]
    expect(chat.locator(".turn.assistant").last).to_have_text(
        "Assistant: " + answers.completion(format_conversation(messages))
    )


def test_an_error_mid_stream_shows_in_the_conversation(visit, live):
    with live.sandbox.streams.failing("the model ran out of memory"):
        chat, reply = start_turn(visit.page, "gsm8k-grpo", "Fail, please.")
        expect(reply).to_have_attribute("data-failed", "true")
    expect(reply).to_contain_text("Sandbox completion")
    expect(reply.locator(".turn-note")).to_have_text(" [ERROR: the model ran out of memory]")
    expect(chat.locator("[data-chat-error]")).to_contain_text("the model ran out of memory")
    expect(chat.get_by_label("Message")).to_have_value("Fail, please.")


# ---------------------------------------------------------------- the examples, and every request local


def test_examples_mode_says_what_needs_the_sandbox(browser, examples_only):
    visit = Visit(browser, examples_only.url)
    try:
        page = visit.page
        page.goto("/")
        expect(page.locator("header.site")).to_contain_text("built-in examples")
        row = open_row(page, "cartpole-ppo")
        expect(row.get_by_role("button", name="Rotate deployment API key")).to_be_disabled()
        llm = open_row(page, "gsm8k-grpo")
        expect(llm.locator("[data-tab-panel=chat_playground]")).to_contain_text("--sandbox")
        copy = row.get_by_role("button", name="Copy API key")
        copy.click()
        expect(copy).to_have_attribute("data-copied", "true")
        assert page.evaluate("navigator.clipboard.readText()") == "example-key-cartpole-ppo-0000"
        assert not visit.refused and not visit.errors
    finally:
        visit.close()


def test_no_request_leaves_loopback(visit, live):
    # Copy, rotate and chat are checked by the fixture after each of their tests; here,
    # everything the page and the API docs load.
    page = visit.page
    page.goto("/")
    open_row(page, "gsm8k-grpo")
    page.goto("/?profile=agilerl-arena-1")
    expect(page.locator("#profile")).to_have_value("agilerl-arena-1")
    page.goto("/docs")
    expect(page.locator(".swagger-ui .information-container")).to_be_visible()
    expect(page.get_by_text("/v1/panel", exact=True)).to_be_visible()
    assert len(visit.requests) > 5
    hosts = {urlsplit(url).hostname for url in visit.requests if not url.startswith("data:")}
    assert hosts == {"127.0.0.1"}, hosts


# ---------------------------------------------------------------- with a token


TOKEN = "page-token-0123456789abcdef"


@pytest.fixture(scope="module")
def guarded():
    settings = ServiceSettings.load({"SNIPPETGEN_SERVICE_TOKEN": TOKEN})
    with RunningService(create_app(settings)) as service:
        yield service


def test_with_a_token_the_page_signs_in_through_a_form_first(browser, guarded):
    visit = Visit(browser, guarded.url)
    try:
        page = visit.page
        page.goto("/")
        expect(page.locator("details.agent")).to_have_count(0)
        field = page.get_by_label("Service token")
        field.fill(TOKEN[:-1])
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_have_text("That is not the service's token.")
        assert page.context.cookies() == []

        page.get_by_label("Service token").fill(TOKEN)
        page.get_by_role("button", name="Sign in").click()
        row = open_row(page, "cartpole-ppo")
        (cookie,) = page.context.cookies()
        assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Strict", "/")
        assert TOKEN not in cookie["value"]
        # Scripts cannot read it; the copy request carries it.
        assert page.evaluate("document.cookie") == ""
        copy = row.get_by_role("button", name="Copy API key")
        copy.click()
        expect(copy).to_have_attribute("data-copied", "true")
        assert page.evaluate("navigator.clipboard.readText()") == "example-key-cartpole-ppo-0000"
        assert TOKEN not in page_source(page)
        assert not visit.refused and not visit.errors
    finally:
        visit.close()
