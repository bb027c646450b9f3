"""The renderer's caches: bounded in bytes and keyed by digests in memory; on disk,
private whatever the umask, never read from a folder someone else can write, and
every entry checked on load.

- memos hold at most their byte budget, drop what does not fit, stay consistent under
  threads, and keep digests, never requests, as keys;
- two requests that differ in anything that shapes the output never share a key;
- folders are created 0700 and entries 0600 under umask 0, 077 and 277;
- poisoned entries in a world- or group-writable folder, a folder of another user or a
  symlinked folder never reach a snippet: one warning names the folder, the process
  renders from memory, and nothing there is read or written;
- corrupt or unexpected entries are deleted and re-rendered; the output is always the
  naive path's.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import black
import pytest
from pydantic import SecretStr

from snippetgen import Deployment, Placeholders, caches, panel, render, render_panel, render_snippet, skeletons
from snippetgen.caches import ENTRY_BYTES, DiskStore, Memo, digest, footprint
from snippetgen.examples import example_deployment, examples
from snippetgen.context import DEFAULT_PROMPT, Request
from snippetgen.render import renderer
from snippetgen.rules import rule_table

POISON = "__POISONED__"
OTHER_UID = 4242
WARNING = "not using the skeleton cache in"
DEPLOYMENTS = [
    example_deployment("gym", name="cache-gym", api_key="fake-cache-key-0000000001", endpoint="https://gym.example.com/a"),
    example_deployment("llm", name="cache-llm", api_key="fake-cache-key-0000000002", endpoint="https://llm.example.com/b"),
]


def new_process(monkeypatch, cache: Path | str):
    """The renderer a new process starts with: nothing in memory, skeletons on disk in `cache`."""
    monkeypatch.setenv("SNIPPETGEN_CACHE_DIR", str(cache))
    monkeypatch.setattr(render, "_renderer", None)
    monkeypatch.setattr(panel, "panels", panel._PanelCache())
    monkeypatch.setattr(skeletons, "_imports", Memo(skeletons.IMPORTS_CACHE_BYTES))
    monkeypatch.setattr(caches, "_warned", False)
    return renderer()


def panels(black_cache: bool = True):
    return [render_panel(d, black_cache=black_cache) for d in DEPLOYMENTS]


def codes(rendered) -> list[str]:
    snippets = [s for panel in rendered for tab in panel.tabs for s in tab.snippets]
    return [text for s in snippets for text in (s.code, s.copy_code)]


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("skeletons-*/*.json"))


def entry_folder(cache: Path) -> Path:
    (folder,) = cache.glob("skeletons-*")
    return folder


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path under root, with the bytes of each regular file."""
    found: dict[str, bytes | None] = {}
    for path in sorted(root.rglob("*")):
        regular = path.is_file() and not path.is_symlink()
        found[str(path.relative_to(root))] = path.read_bytes() if regular else None
    return found


def cache_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "snippetgen.cache"]


@pytest.fixture
def umask(request):
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


@pytest.fixture(scope="module")
def primed(tmp_path_factory):
    """A cache folder holding the skeletons of DEPLOYMENTS' panels, as a first process leaves it."""
    cache = tmp_path_factory.mktemp("primed") / "cache"
    with pytest.MonkeyPatch.context() as patch:
        new_process(patch, cache)
        panels()
    assert entries(cache)
    return cache


@pytest.fixture
def cache(primed, tmp_path) -> Path:
    copy = tmp_path / "cache"
    shutil.copytree(primed, copy, symlinks=True)
    return copy


# ---------------------------------------------------------------- memory


def test_a_memo_holds_at_most_its_budget_and_forgets_the_least_recently_used():
    memo = Memo(10_000, sizeof=len)
    for i in range(20):
        memo.put(digest("t", i), "x" * 1000)
        assert memo.currsize <= 10_000
    assert memo.get(digest("t", 0)) is None
    assert memo.get(digest("t", 19)) == "x" * 1000
    kept = len(memo)
    assert 0 < kept < 20
    memo.get(digest("t", 20 - kept))  # the oldest, now the most recently used
    memo.put(digest("t", 99), "y" * 1000)
    assert memo.get(digest("t", 20 - kept)) is not None and memo.get(digest("t", 21 - kept)) is None


def test_a_value_larger_than_the_budget_is_not_cached():
    memo = Memo(10_000, sizeof=len)
    memo.put(b"small", "s")
    memo.put(b"huge", "h" * 10_001)
    assert memo.get(b"huge") is None
    assert memo.get(b"small") == "s"  # and nothing was evicted for it


def test_a_memo_is_consistent_under_threads():
    memo = Memo(50_000, sizeof=len)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(2000):
                key = digest("t", n, i % 97)
                memo.put(key, "v" * (i % 3000))
                value = memo.get(key)
                assert value is None or set(value) <= {"v"}
        except BaseException as error:  # reported below, with the thread's failure
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert not any(thread.is_alive() for thread in threads), "a thread never finished"
    assert memo.currsize <= 50_000
    assert memo.currsize == sum(size for size, _ in memo._cache.values())


def test_footprint_counts_text_at_its_width():
    assert footprint("a" * 1000) >= 1000
    assert footprint("é" * 1000) >= 4000
    assert footprint(["a" * 1000, {"k": "b" * 1000}]) >= 2000
    panel = render_panel(DEPLOYMENTS[0])
    texts = sum(len(s.code) + len(s.copy_code) for tab in panel.tabs for s in tab.snippets)
    assert footprint(panel) >= texts


def test_the_renderer_keys_hold_digests_never_the_request(monkeypatch, tmp_path):
    state = new_process(monkeypatch, tmp_path / "cache")
    prompt = "a long prompt " * 20_000  # 280 kB
    space = {"type": "Box", "shape": [64], "dtype": "float32", "low": [-1.5] * 64, "high": [2.5] * 64}
    deployment = example_deployment("llm", name="n" * 1000)
    boxed = example_deployment("supervised", observation_space=space)
    for d in (deployment, boxed):
        render_panel(d, prompt=prompt)
        render_snippet(d, "manual_http", language="curl", prompt=prompt)
    for memo in (state.skeletons.memory, state.snippets, panel.panels.current(), skeletons._imports):
        assert len(memo) > 0
        for key in memo._cache:
            assert len(repr(key)) < 400, key  # digests and the rule table's names only
            assert "a long prompt" not in repr(key)


def test_caches_stay_within_their_byte_budgets(monkeypatch, tmp_path):
    monkeypatch.setattr(render, "SNIPPET_CACHE_BYTES", 64_000)
    monkeypatch.setattr(panel, "PANEL_CACHE_BYTES", 1_000)  # smaller than any panel
    state = new_process(monkeypatch, tmp_path / "cache")
    for n in range(40):
        d = example_deployment("gym", name=f"budget-{n}", api_key=f"fake-budget-key-{n:010d}")
        render_snippet(d, "manual_http", language="python")
        assert state.snippets.currsize <= 64_000
    assert 0 < len(state.snippets) < 40
    first = render_panel(DEPLOYMENTS[0])
    again = render_panel(DEPLOYMENTS[0])
    assert again is not first and again == first == render_panel(DEPLOYMENTS[0], black_cache=False)
    assert len(panel.panels.current()) == 0


# ---------------------------------------------------------------- digests


def test_digests_tell_apart_what_encodes_alike():
    confusable = [
        (None,), ("None",), ("",), (b"",), (0,), (False,), (True,), (1,), ("1",),
        ("ab",), ("a", "b"), (("a", "b"),), (("a",), "b"), ("a", ("b",)), ([],), ((),), ("\ud800",),
    ]
    digests = {digest("t", *parts) for parts in confusable}
    assert len(digests) == len(confusable)
    assert digest("t", "x") != digest("u", "x")
    assert digest("t", "x", None) == digest("t", "x", None)

    class Text(str):
        pass

    assert digest("t", Text("x")) == digest("t", Text("x"))  # encoded another way, but still one digest


def test_requests_that_differ_in_anything_have_different_keys():
    base = example_deployment("gym", name="base", api_key="fake-key-for-digests-0001", endpoint="https://a.example.com")
    box = {"type": "Box", "shape": [2], "dtype": "float32"}
    changes = [
        {"name": "other"}, {"endpoint": "https://b.example.com"}, {"api_key": "fake-key-for-digests-0002"},
        {"env_id": "Other-v1"}, {"env_id": None}, {"status": "Pending"}, {"connected": False},
        {"observation_space": box}, {"observation_space": {**box, "low": -0.0}},
        {"observation_space": {**box, "low": 0.0}}, {"action_mask": True}, {"page": "advanced_training"},
    ]
    requests = [Request(base)]
    for change in changes:
        changed = Deployment.model_validate({**base.model_dump(), **change})
        assert changed != base, change
        requests.append(Request(changed))
    other_profile = next(p for p in rule_table().profiles if p != "documented")
    requests += [
        Request(base, profile=other_profile),
        Request(base, key_display="env"),
        Request(base, key_display="placeholders"),
        Request(base, placeholders=Placeholders(name="N")),
        Request(base, placeholders=Placeholders(obs="<O>")),
        Request(base, prompt="another prompt"),
        Request(base, prompt=""),
    ]
    keys = [r.key for r in requests]
    assert len(set(keys)) == len(keys)
    assert all(type(key) is bytes and len(key) == 32 for key in keys)
    # Equal requests share a key; the default prompt is the prompt when none is given.
    assert Request(base).key == Request(base.model_copy()).key == Request(base, prompt=DEFAULT_PROMPT).key


def test_a_shape_is_everything_but_the_slot_values():
    base = example_deployment("gym", name="base", api_key="fake-key-for-shapes-00001", endpoint="https://a.example.com")
    same = base.model_copy(update={"name": "x", "endpoint": "https://b.example.com",
                                   "api_key": SecretStr("fake-key-for-shapes-00002")})
    assert Request(same).shape == Request(base).shape
    assert Request(base, prompt="p").shape == Request(base).shape
    assert Request(base, placeholders=Placeholders(obs="<O>")).shape != Request(base).shape
    assert Request(base, key_display="env").shape != Request(base).shape  # no key slot
    assert Request(base.model_copy(update={"action_mask": True})).shape != Request(base).shape


# ---------------------------------------------------------------- private folders


@pytest.mark.parametrize("umask", [0, 0o077, 0o277], indirect=True, ids=["umask0", "umask077", "umask277"])
def test_folders_and_entries_are_private_whatever_the_umask(umask, monkeypatch, tmp_path):
    cache = tmp_path / "xdg" / "more" / "snippetgen"
    new_process(monkeypatch, cache)
    assert codes(panels()) == codes(panels(black_cache=False))
    folders = [tmp_path / "xdg", tmp_path / "xdg" / "more", cache, entry_folder(cache)]
    assert [stat.S_IMODE(f.stat().st_mode) for f in folders] == [0o700] * 4
    assert entries(cache)
    assert {stat.S_IMODE(e.stat().st_mode) for e in entries(cache)} == {0o600}
    assert not list(cache.rglob("*.tmp"))

    # A new process reads them back: black formats nothing.
    new_process(monkeypatch, cache)
    naive = codes(panels(black_cache=False))
    monkeypatch.setattr(black, "format_str", lambda *a, **k: pytest.fail("black formatted a skeleton"))
    assert codes(panels()) == naive


def test_an_existing_private_root_is_kept_as_it_is(monkeypatch, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o755)
    cache.chmod(0o755)  # read by others, written by no one else: usable, left alone
    new_process(monkeypatch, cache)
    panels()
    assert stat.S_IMODE(cache.stat().st_mode) == 0o755
    assert entries(cache)


# ---------------------------------------------------------------- untrusted folders


def poison(cache: Path) -> None:
    """Every skeleton entry's text now holds POISON, in an entry that is otherwise well formed."""
    poisoned = 0
    for entry in entries(cache):
        data = json.loads(entry.read_bytes())
        if "texts" in data:
            data["texts"][0] = f"# {POISON}\n" + data["texts"][0]
            entry.write_text(json.dumps(data), encoding="utf-8")
            poisoned += 1
    assert poisoned


def test_entries_in_a_private_folder_are_used_as_written(cache, monkeypatch):
    # The folder is the trust boundary: what only this user can write is used as written.
    # So the poison reaches the output here, and its absence below is the refusal's doing.
    poison(cache)
    new_process(monkeypatch, cache)
    assert any(POISON in code for code in codes(panels()))


def _world_writable_root(cache, tmp_path):
    cache.chmod(0o777)
    return cache, cache


def _group_writable_root(cache, tmp_path):
    cache.chmod(0o770)
    return cache, cache


def _world_writable_entry_folder(cache, tmp_path):
    entry_folder(cache).chmod(0o777)
    return cache, entry_folder(cache)


def _root_of_another_user(cache, tmp_path):
    os.chown(cache, OTHER_UID, OTHER_UID)
    return cache, cache


def _entry_folder_of_another_user(cache, tmp_path):
    os.chown(entry_folder(cache), OTHER_UID, OTHER_UID)
    return cache, entry_folder(cache)


def _symlinked_root(cache, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(cache, target_is_directory=True)
    return link, link


def _symlinked_entry_folder(cache, tmp_path):
    folder = entry_folder(cache)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    folder.rename(elsewhere / folder.name)
    folder.symlink_to(elsewhere / folder.name, target_is_directory=True)
    return cache, folder


UNTRUSTED = [
    _world_writable_root,
    _group_writable_root,
    _world_writable_entry_folder,
    _root_of_another_user,
    _entry_folder_of_another_user,
    _symlinked_root,
    _symlinked_entry_folder,
]


@pytest.mark.parametrize("umask", [0, 0o077], indirect=True, ids=["umask0", "umask077"])
@pytest.mark.parametrize("untrusted", UNTRUSTED, ids=lambda f: f.__name__.strip("_"))
def test_an_untrusted_folder_is_never_read_nor_written(
    untrusted, umask, cache, tmp_path, monkeypatch, caplog
):
    poison(cache)
    root, refused = untrusted(cache, tmp_path)
    before = tree(tmp_path)
    new_process(monkeypatch, root)
    with caplog.at_level(logging.WARNING, logger="snippetgen.cache"):
        rendered = panels()
        render_snippet(DEPLOYMENTS[1], "manual_http", language="curl", key_display="env")
    assert not any(POISON in code for code in codes(rendered))
    assert codes(rendered) == codes(panels(black_cache=False))
    warnings = cache_warnings(caplog)
    assert len(warnings) == 1, warnings
    assert f"{WARNING} {refused}:" in warnings[0]
    assert tree(tmp_path) == before  # nothing read into use, nothing written
    assert render_panel(DEPLOYMENTS[0]) is rendered[0]  # memory still answers


def test_a_new_process_warns_once_and_renders_from_memory(cache, tmp_path):
    poison(cache)
    cache.chmod(0o777)
    script = """
import json
from snippetgen import render_panel
from snippetgen.examples import examples
from snippetgen.rules import rule_table
out = [render_panel(d).model_dump(mode="json") for d in examples()]
rule_table.cache_clear()  # a new renderer, and a new disk store, in the same process
out += [render_panel(d, key_display="env").model_dump(mode="json") for d in examples()]
print(json.dumps(out))
"""
    env = {**os.environ, "SNIPPETGEN_CACHE_DIR": str(cache)}
    run = [sys.executable, "-c", script]
    result = subprocess.run(run, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
    warned = [line for line in result.stderr.splitlines() if WARNING in line]
    assert len(warned) == 1, result.stderr
    assert str(cache) in warned[0]
    naive = [render_panel(d, black_cache=False).model_dump(mode="json") for d in examples()]
    naive += [
        render_panel(d, key_display="env", black_cache=False).model_dump(mode="json") for d in examples()
    ]
    assert json.loads(result.stdout) == naive
    assert POISON not in result.stdout


def test_a_warning_never_fails_a_render_even_as_an_error(cache, tmp_path):
    cache.chmod(0o777)
    env = {**os.environ, "SNIPPETGEN_CACHE_DIR": str(cache)}
    script = "from snippetgen import render_panel as r, examples as e; print(r(e.example_deployment('gym')).expanded)"
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


# ---------------------------------------------------------------- corrupt entries


def _rewrite(transform):
    """A corruption that rewrites an entry's JSON (None: not applicable to this entry)."""

    def corrupt(entry: Path, tmp_path: Path) -> bool:
        data = json.loads(entry.read_bytes())
        changed = transform(data)
        if changed is None:
            return False
        entry.write_bytes(changed if isinstance(changed, bytes) else json.dumps(changed).encode())
        return True

    return corrupt


def _skeleton(edit):
    def transform(data):
        if "texts" not in data:
            return None
        edit(data)
        return data

    return transform


def _first_fill(edit):
    def transform(data):
        if not data.get("fills"):
            return None
        edit(data["fills"][0])
        return data

    return transform


def _python_fill(edit):
    def transform(data):
        if not data.get("fills") or data["fills"][0][3] is None:
            return None
        edit(data["fills"][0])
        return data

    return transform


def _js_assign_fill(edit):
    def transform(data):
        fills = [fill for fill in data.get("fills") or [] if fill[1] == "js" and "assign" in fill[2]]
        if not fills:
            return None
        edit(fills[0])
        return data

    return transform


def _set(index, value):
    def edit(fill):
        fill[index] = value

    return edit


def _raw(make):
    def corrupt(entry: Path, tmp_path: Path) -> bool:
        entry.write_bytes(make(entry.read_bytes()))
        return True

    return corrupt


def _symlink(entry: Path, tmp_path: Path) -> bool:
    target = tmp_path / f"target-{entry.name}"
    shutil.copy(entry, target)
    entry.unlink()
    entry.symlink_to(target)
    return True


def _fifo(entry: Path, tmp_path: Path) -> bool:
    entry.unlink()
    os.mkfifo(entry, 0o600)
    return True


def _mode(mode):
    def corrupt(entry: Path, tmp_path: Path) -> bool:
        entry.chmod(mode)
        return True

    return corrupt


def _owner(entry: Path, tmp_path: Path) -> bool:
    os.chown(entry, OTHER_UID, OTHER_UID)
    return True


CORRUPT = {
    "truncated": _raw(lambda raw: raw[: len(raw) // 2]),
    "empty": _raw(lambda raw: b""),
    "not_utf8": _raw(lambda raw: b"\xff\xfe" + raw),
    "not_an_object": _raw(lambda raw: b"[" + raw + b"]"),
    "deeply_nested": _raw(lambda raw: b"[" * 100_000 + b"]" * 100_000),
    "huge": _raw(lambda raw: b" " * (ENTRY_BYTES + 1) + raw),  # still valid JSON
    "unknown_key": _rewrite(lambda data: {**data, "extra": 1}),
    "needs_values_not_true": _rewrite(lambda data: {"needs_values": 1}),
    "reads_an_unknown_slot": _rewrite(lambda data: {"reads": "password"}),
    "reads_the_key": _rewrite(lambda data: {"reads": "api_key"}),
    "reads_a_number": _rewrite(lambda data: {"reads": 3}),
    "texts_not_a_list": _rewrite(_skeleton(lambda data: data.update(texts="text"))),
    "text_not_a_string": _rewrite(_skeleton(lambda data: data["texts"].__setitem__(0, 5))),
    "one_text_too_many": _rewrite(_skeleton(lambda data: data["texts"].append("more"))),
    "unknown_package": _rewrite(_skeleton(lambda data: data.update(packages=["evil-package"]))),
    "fills_not_a_list": _rewrite(_skeleton(lambda data: data.update(fills={"a": 1}))),
    "fill_too_short": _rewrite(_first_fill(lambda fill: fill.pop())),
    "unknown_slot": _rewrite(_first_fill(_set(0, "password"))),
    "unknown_filter": _rewrite(_first_fill(_set(1, "eval"))),
    "unknown_option": _rewrite(_first_fill(_set(2, {"indent": 2, "unsafe": 1}))),
    "option_not_a_number": _rewrite(_first_fill(_set(2, {"width": "80"}))),
    # `assign` is printed as code: only a declaration or a property path is accepted.
    "assign_runs_code": _rewrite(
        _js_assign_fill(_set(2, {"assign": "require('child_process').execSync('id'); const X"}))
    ),
    "constant_not_a_name": _rewrite(_python_fill(_set(3, "X = 1; import os; Y"))),
    "python_fill_without_constant": _rewrite(_python_fill(_set(3, None))),
    "symlink": _symlink,
    "fifo": _fifo,
    "writable_by_others": _mode(0o666),
    "of_another_user": _owner,
}


@pytest.mark.parametrize("umask", [0, 0o077], indirect=True, ids=["umask0", "umask077"])
@pytest.mark.parametrize("corruption", sorted(CORRUPT))
def test_a_corrupt_entry_is_deleted_and_re_rendered(corruption, umask, cache, tmp_path, monkeypatch, caplog):
    originals = {entry: entry.read_bytes() for entry in entries(cache)}
    corrupted = [entry for entry in originals if CORRUPT[corruption](entry, tmp_path)]
    assert corrupted
    new_process(monkeypatch, cache)
    with caplog.at_level(logging.WARNING, logger="snippetgen.cache"):
        rendered = panels()
    assert codes(rendered) == codes(panels(black_cache=False))
    assert cache_warnings(caplog) == []  # a bad entry is not a bad folder
    for entry in corrupted:
        info = entry.lstat()
        assert stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid(), entry
        assert stat.S_IMODE(info.st_mode) == 0o600
        assert entry.read_bytes() == originals[entry]  # written anew by the re-render


def test_the_disk_store_reads_only_what_its_loader_accepts(tmp_path):
    store = DiskStore(tmp_path / "cache", sources=[])
    store.put("k", {"texts": ["a"]})
    assert store.get("k", lambda raw: json.loads(raw)["texts"]) == ["a"]

    def refuse(raw: bytes):
        raise ValueError("not an entry")

    assert store.get("k", refuse) is None
    assert store.get("k") is None  # the refused entry was deleted
    too_big = "x" * ENTRY_BYTES
    store.put("big", too_big)  # larger than any entry is allowed to be: not written
    assert store.get("big") is None and not (store.folder / "big.json").exists()
