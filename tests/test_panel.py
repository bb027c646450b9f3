"""The expanded row (SPEC §5, §7): expand state, components, tabs, default tab, key display."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from snippetgen import Placeholders, SnippetError, render_panel, render_snippet
from snippetgen.examples import example_deployment
from snippetgen.rules import SITUATIONS, rule_table

CODE_TABS = ["arena_client", "arena_cli", "manual_http"]


@pytest.mark.parametrize(
    "page, status, connected, expands",
    [
        ("classic_rl", "Deployed", True, True),
        ("classic_rl", "Deployed", False, False),
        ("classic_rl", "Pending", True, False),
        ("classic_rl", "Failed", True, False),
        ("advanced_training", "Deployed", False, True),
        ("advanced_training", "Pending", True, False),
    ],
)
def test_expand_requirements(page, status, connected, expands):
    panel = render_panel(example_deployment("gym", page=page, status=status, connected=connected))
    assert panel.expanded is expands
    if not expands:
        assert panel.message == "No deployment found for this agent"
        assert "Connect" in panel.hint and "Pending" in panel.hint
        assert panel.tabs == [] and panel.components == []


@pytest.mark.parametrize("status", ["Pending", "Failed"])
def test_status_warning(status):
    panel = render_panel(example_deployment("gym", status=status))
    assert status in panel.warning and "may fail" in panel.warning


def test_no_warning_when_deployed():
    assert render_panel(example_deployment("gym")).warning is None


@pytest.mark.parametrize("situation", SITUATIONS)
def test_tabs_in_page_order_and_chat_only_for_llm(situation):
    panel = render_panel(example_deployment(situation))
    ids = [tab.id for tab in panel.tabs]
    if situation == "llm":
        assert ids == ["chat_playground", *CODE_TABS]
        assert panel.default_tab == "chat_playground"
    else:
        assert ids == CODE_TABS
        assert panel.default_tab == "arena_client"
    titles = {tab.id: tab.title for tab in panel.tabs}
    assert titles["arena_client"] == "Arena client" and titles["manual_http"] == "Manual HTTP"
    for tab in panel.tabs:
        if tab.id == "chat_playground":
            assert tab.chat is not None and tab.snippets == []
        else:
            assert tab.chat is None and tab.snippets, tab.id
            assert all(s.install or s.run for s in tab.snippets)


def test_components_block_masks_the_key_and_copies_it():
    deployment = example_deployment("gym")
    key = deployment.api_key.get_secret_value()
    panel = render_panel(deployment)
    api_key, endpoint = panel.components
    assert (api_key.label, endpoint.label) == ("API key", "Endpoint")
    assert api_key.copy_value == key and key not in api_key.display
    assert endpoint.display == endpoint.copy_value == deployment.endpoint
    assert "stops working immediately" in panel.rotate_key_note
    assert key not in repr(panel)


def test_dashboard_json_carries_copy_values_only_in_copy_fields():
    deployment = example_deployment("gym")
    key = deployment.api_key.get_secret_value()
    data = json.loads(render_panel(deployment).model_dump_json())
    for tab in data["tabs"]:
        for snippet in tab["snippets"]:
            assert key not in snippet["code"]
    assert data["components"][0]["copy_value"] == key


@pytest.mark.parametrize("missing", ["api_key", "endpoint"])
def test_missing_key_or_endpoint_means_no_snippets(missing):
    panel = render_panel(example_deployment("gym", **{missing: None}))
    assert panel.expanded
    assert "You need both API key and Endpoint" in panel.snippets_unavailable
    assert all(tab.snippets == [] for tab in panel.tabs)
    with pytest.raises(SnippetError, match="API key and Endpoint"):
        render_snippet(example_deployment("gym", **{missing: None}), "manual_http")


def test_env_mode_has_no_key_anywhere():
    deployment = example_deployment("llm")
    key = deployment.api_key.get_secret_value()
    panel = render_panel(deployment, key_display="env")
    assert key not in panel.model_dump_json().replace(panel.components[0].copy_value or "", "")
    assert panel.tabs[0].chat.api_key is None


def test_placeholder_mode_needs_no_credentials():
    deployment = example_deployment("llm", api_key=None, endpoint=None, status="Pending")
    panel = render_panel(deployment, key_display="placeholders", placeholders=Placeholders(name="MY_AGENT"))
    assert panel.snippets_unavailable is None
    client = panel.tabs[1].snippets[0].code
    assert '"MY_AGENT"' in client
    assert panel.tabs[0].chat.generate_url == "YOUR_ENDPOINT/generate"


def test_chat_settings_for_llm():
    deployment = example_deployment("llm")
    chat = render_panel(deployment).tabs[0].chat
    assert chat.generate_url == f"{deployment.endpoint}/generate"
    assert chat.api_key == deployment.api_key.get_secret_value()
    assert (chat.user_prefix, chat.assistant_prefix) == ("User: ", "Assistant: ")
    assert chat.completion_field == "results[0].completion"
    assert deployment.api_key.get_secret_value() not in repr(chat)
    # The playground streams: one prompt to generate_stream, plain-text chunks back.
    assert chat.route == "generate_stream"
    assert chat.stream_url == f"{deployment.endpoint}/generate_stream"
    assert chat.stream_error_prefix == "\n[ERROR:"


@pytest.mark.parametrize("situation", SITUATIONS)
def test_llm_tabs_carry_each_one_shot_snippet_then_its_stream(situation):
    panel = render_panel(example_deployment(situation))
    for tab in panel.tabs:
        kinds = [(s.variant, s.language) for s in tab.snippets]
        one_shot = [kind for kind in kinds if kind[0] == "request"]
        streams = [kind for kind in kinds if kind[0] != "request"]
        assert kinds == one_shot + streams, "the stream snippets follow the one-shot ones"
        if situation == "llm" and tab.id in ("arena_client", "manual_http"):
            assert [language for _, language in streams] == [language for _, language in one_shot]
            assert {variant for variant, _ in streams} == {"stream"}
            for s in tab.snippets[len(one_shot):]:
                assert s == render_snippet(example_deployment(situation), tab.id, language=s.language, variant="stream")
                assert "generate_stream" in s.code
        else:
            assert streams == []


def test_a_stream_of_a_deployment_that_does_not_stream_names_the_variant():
    with pytest.raises(SnippetError) as info:
        render_snippet(example_deployment("gym"), "manual_http", language="curl", variant="stream")
    assert str(info.value) == (
        "no 'stream' variant of the Manual HTTP tab for Single-agent Gym deployments; choose one of: request"
    )
    with pytest.raises(SnippetError, match="no 'stream' variant of the Arena CLI tab for LLM deployments"):
        render_snippet(example_deployment("llm"), "arena_cli", variant="stream")
    with pytest.raises(SnippetError, match="choose one of: request, stream"):
        render_snippet(example_deployment("llm"), "manual_http", variant="streaming")


def test_snippet_errors_name_the_choices():
    deployment = example_deployment("gym")
    with pytest.raises(SnippetError, match="holds no code"):
        render_snippet(deployment, "chat_playground")
    with pytest.raises(SnippetError, match="choose one of"):
        render_snippet(deployment, "arena_cli", language="python")
    with pytest.raises(SnippetError, match="unknown profile"):
        render_snippet(deployment, "arena_cli", profile="nope")
    with pytest.raises(SnippetError, match="unknown profile"):
        render_panel(deployment, profile="nope")


def test_install_hint_follows_imports():
    gym_client = render_snippet(example_deployment("gym"), "arena_client")
    assert gym_client.install == "pip install gymnasium agilerl-arena"
    llm_client = render_snippet(example_deployment("llm"), "arena_client")
    assert llm_client.install == "pip install requests agilerl-arena"
    http = render_snippet(example_deployment("gym"), "manual_http")
    assert http.install == "pip install numpy requests"


def test_without_env_id_or_space_the_snippet_marks_the_user_value():
    deployment = example_deployment("gym", env_id=None, observation_space=None)
    client = render_snippet(deployment, "arena_client").code
    assert "YOUR_ENV_HERE" in client and "gymnasium" not in render_snippet(deployment, "arena_client").install
    assert "YOUR_OBS_HERE" in render_snippet(deployment, "manual_http").code
    assert "'<YOUR_OBS_HERE>'" in render_snippet(deployment, "arena_cli").code


def test_threads_rendering_at_once_get_the_same_panels():
    deployments = [
        example_deployment(situation, name=f"threads-{situation}-{i}") for situation in SITUATIONS for i in range(4)
    ]
    expected = [render_panel(d, black_cache=False) for d in deployments]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(render_panel, deployments))
    assert got == expected


def test_render_snippets_gives_each_language_of_a_tab_from_one_request():
    from snippetgen import render_snippets

    deployment = example_deployment("pettingzoo")
    snippets = render_snippets(deployment, "manual_http", key_display="env")
    languages = rule_table().tabs["manual_http"].languages
    assert [s.language for s in snippets] == list(languages)
    assert snippets == [render_snippet(deployment, "manual_http", language=lang, key_display="env") for lang in languages]
    assert [s.language for s in render_snippets(deployment, "manual_http", languages=["curl"])] == ["curl"]
