"""Lazy modules: not imported until used, `loaded` says so truthfully, and threads see them whole."""

from __future__ import annotations

import sys
import threading

from snippetgen.lazy import LazyModule, loaded

SLOW = """
import time
time.sleep(0.3)  # a first user's run is still going when a second thread reads
VALUE = 42
"""


def test_a_lazy_module_runs_once_on_first_use_and_every_thread_sees_it_whole(tmp_path, monkeypatch):
    (tmp_path / "snippetgen_slow_module.py").write_text(SLOW, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "snippetgen_slow_module", raising=False)
    module = LazyModule("snippetgen_slow_module")
    try:
        assert not loaded("snippetgen_slow_module")
        seen: list[object] = []

        def use() -> None:
            try:
                seen.append(module.VALUE)
            except AttributeError as exc:  # a half-run module
                seen.append(exc)

        threads = [threading.Thread(target=use) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert seen == [42] * 4
        assert loaded("snippetgen_slow_module")
        assert sys.modules["snippetgen_slow_module"].VALUE == 42
    finally:
        sys.modules.pop("snippetgen_slow_module", None)


def test_loaded_says_whether_a_module_is_imported():
    assert LazyModule("json").dumps is __import__("json").dumps
    assert loaded("json")
    assert not loaded("snippetgen_no_such_module")
