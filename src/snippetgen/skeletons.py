"""A template rendered and formatted once per shape, then filled with values.

A skeleton is a template rendered with its values (context.SLOTS) left as slots:
each slot is printed once, through a literal filter, and never read. A Python
skeleton is formatted by black once, with each slot a whole `NAME = value` line
at the top level; filling writes the line black would write (`assignment.py`).
Skeletons are kept in memory and in a private disk store, so new values, even in
a new process, render without Jinja, numpy or black.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import secrets
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import arrays, literals
from .assignment import assignment
from .caches import DiskStore, Memo, digest
from .languages import LANGUAGES

if TYPE_CHECKING:
    import jinja2

_TOKEN = "_SNIPPETGEN_SLOT_"
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_CONVENTION = (
    "a Python template must use each constant once, as `NAME = {{ value|py }}` "
    "on a line of its own at the top level"
)

SKELETON_CACHE_BYTES = 32 << 20
"""Skeletons, a few KB each: every template for a few thousand shapes, as a docs build or
a busy dashboard meets them, so new values almost never run Jinja or black."""
ASSIGNMENT_CACHE_BYTES = 1 << 20
"""black's lines for constants that are not text (None): a handful of short lines."""
IMPORTS_CACHE_BYTES = 1 << 20
"""The packages each formatted Python text imports: a short tuple per text."""


class SnippetError(ValueError):
    """A snippet that cannot be rendered for this deployment, and why."""


@dataclass(frozen=True, repr=False)
class Const:
    """A value as the reference path gives it to a template (printed, never read)."""

    value: object


class _Slot:
    """Stands for a value while a skeleton renders."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def value(self):
        import jinja2

        message = f"a template prints {self.name} through a literal filter; it never reads it"
        raise jinja2.TemplateError(message)


class _SlotCode(literals.Code):
    """The token a literal filter printed for a slot."""


# ---------------------------------------------------------------- Jinja


def _only_literals(value):
    if isinstance(value, literals.Code):
        return value
    import jinja2

    # The value itself stays out of the message: it may be the API key.
    raise jinja2.TemplateError(
        f"a template printed a {type(value).__name__} without a literal filter (py, sh, json, js)"
    )


def environment(template_dir) -> jinja2.Environment:
    """The templates' Jinja environment: values print only through a literal filter."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_only_literals,
        # Templates compile once; `mkdocs serve` reloads them with the rule table.
        auto_reload=False,
    )

    def literal_filter(name: str, write):
        @jinja2.pass_context
        def literal(context, value, **options):
            if isinstance(value, _Slot):
                uses = context["_slot_uses"]
                uses.append((value.name, name, options))
                return _SlotCode(f"{context['_slot_token']}{len(uses) - 1}_")
            if isinstance(value, _SlotCode):
                raise jinja2.TemplateError("a slot's literal went through a second filter")
            if isinstance(value, Const):
                value = value.value
            return write(value, **options)

        return literal

    env.filters.update({name: literal_filter(name, f) for name, f in literals.FILTERS.items()})
    env.filters.update(arrays.FILTERS)
    return env


# ---------------------------------------------------------------- Python


def format_python_naive(code: str) -> str:
    """black over the whole text: the reference the skeleton path must equal."""
    import black

    return black.format_str(code, mode=black.Mode())


_black_assignments = Memo(ASSIGNMENT_CACHE_BYTES)


def _python_assignment(name: str, value: object) -> str:
    if isinstance(value, str):
        return assignment(name, value)
    line = f"{name} = {literals.python(value)}"
    key = digest("assignment/1", line)
    found = _black_assignments.get(key)
    if found is None:
        found = format_python_naive(line + "\n").rstrip("\n")
        _black_assignments.put(key, found)
    return found


# CPython 3.11's ast.parse can fail ("AST constructor recursion depth mismatch")
# when two threads parse at once.
_AST_LOCK = threading.Lock()
_imports = Memo(IMPORTS_CACHE_BYTES)


def imported_packages(code: str, packages: Mapping[str, str]) -> tuple[str, ...]:
    """The pip packages a Python text imports, in import order (packages: module → package)."""
    key = digest("imports/1", code, sorted(packages.items()))
    found = _imports.get(key)
    if found is None:
        found = _parse_imports(code, packages)
        _imports.put(key, found)
    return found


def _parse_imports(code: str, packages: Mapping[str, str]) -> tuple[str, ...]:
    found = []
    with _AST_LOCK:
        tree = ast.parse(code)
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            top = name.partition(".")[0]
            if top in sys.stdlib_module_names:
                continue
            if top not in packages:
                raise SnippetError(f"no pip package known for module {top!r}: add it to [packages]")
            found.append(packages[top])
    return tuple(found)


# ---------------------------------------------------------------- skeletons

Fill = tuple[str, str, dict, str | None]


@dataclass(frozen=True)
class Skeleton:
    """A rendered template with slots: texts[0], fill 0, texts[1], ..., texts[-1].

    A fill is (slot, literal filter, its options, Python constant name or None).
    """

    texts: tuple[str, ...]
    fills: tuple[Fill, ...]
    packages: tuple[str, ...] = ()

    def fill(self, values: Mapping[str, Any]) -> str:
        return self.fill_pair(values, values)[0]

    def fill_pair(self, shown: Mapping[str, Any], copied: Mapping[str, Any]) -> tuple[str, str]:
        """The shown and the copied code; a value both share is written once."""
        out, copy = [self.texts[0]], [self.texts[0]]
        for (slot, filter_name, options, constant), text in zip(self.fills, self.texts[1:], strict=True):
            pieces: list[str] = []
            for value in (shown[slot], copied[slot]):
                if pieces and value == shown[slot]:
                    pieces.append(pieces[0])
                elif constant is not None:
                    pieces.append(_python_assignment(constant, value))
                else:
                    pieces.append(literals.FILTERS[filter_name](value, **options))
            out += (pieces[0], text)
            copy += (pieces[1], text)
        return "".join(out), "".join(copy)

    def to_json(self) -> dict:
        return {"texts": self.texts, "fills": self.fills, "packages": self.packages}


def build(
    env: jinja2.Environment,
    template: str,
    language: str,
    data: Mapping[str, Any],
    slots: Mapping[str, bool],
    packages: Mapping[str, str],
) -> Skeleton:
    """Render a template with its slots (those with a value) left open, and format it."""
    import jinja2

    # A fresh token per render: no value in `data` (an agent id, say) can forge one.
    token = f"{_TOKEN}{secrets.token_hex(4)}_"
    uses: list[tuple[str, str, dict]] = []
    open_slots = {slot: _Slot(slot) if present else None for slot, present in slots.items()}
    text = env.get_template(template).render({**data, **open_slots, "_slot_uses": uses, "_slot_token": token})
    printed = sorted(int(i) for i in re.findall(rf"{token}(\d+)_", text))
    if printed != list(range(len(uses))):
        raise jinja2.TemplateError(f"{template}: a value printed twice, or filtered and not printed")
    if LANGUAGES[language].formatter != "black":
        pieces = re.split(rf"{token}(\d+)_", text)
        fills: tuple[Fill, ...] = tuple((*uses[int(i)], None) for i in pieces[1::2])
        return Skeleton(tuple(pieces[0::2]), fills)

    formatted = format_python_naive(text)
    pieces = re.split(rf"^({_NAME}) = {token}(\d+)_$", formatted, flags=re.MULTILINE)
    texts, names, indices = pieces[0::3], pieces[1::3], [int(i) for i in pieces[2::3]]
    if any(token in t for t in texts) or any(uses[i][1] != "py" for i in indices):
        raise jinja2.TemplateError(f"{template}: {_CONVENTION}")
    fills = tuple((uses[i][0], "py", {}, name) for name, i in zip(names, indices, strict=True))
    return Skeleton(tuple(texts), fills, imported_packages(formatted, packages))


# The options each literal filter takes (keyword-only: `indent`, `width`).
_FILTER_OPTIONS = {
    name: {p.name for p in inspect.signature(write).parameters.values() if p.kind is p.KEYWORD_ONLY}
    for name, write in literals.FILTERS.items()
}
# What a text option may hold: `assign` is printed as code, so only a declaration or a
# property path (`const NAME`, `static final String NAME =`, `const NAME: &str =`); `key`
# goes through the filter's own quoting.
_ASSIGN = re.compile(rf"{_NAME}(?:(?: |\.|: &){_NAME})*(?: =)?")


def _is_option(name: str, value: object) -> bool:
    if value is None or type(value) is int:
        return True
    if type(value) is not str:
        return False
    return name == "key" or (name == "assign" and _ASSIGN.fullmatch(value) is not None)


def from_json(raw: bytes, language: str, slots: Mapping[str, bool], packages: Mapping[str, str]) -> Skeleton:
    """A stored skeleton, checked to be exactly what `Skeleton.to_json` writes; ValueError otherwise."""
    data = json.loads(raw)
    if type(data) is not dict or data.keys() != {"texts", "fills", "packages"}:
        raise ValueError("unexpected keys")
    present = {slot for slot, has_value in slots.items() if has_value}
    python = LANGUAGES[language].formatter == "black"
    texts, fills, imported = data["texts"], data["fills"], data["packages"]
    if type(texts) is not list or not all(type(text) is str for text in texts):
        raise ValueError("texts")
    if type(fills) is not list or len(texts) != len(fills) + 1:
        raise ValueError("fills")
    known_packages = set(packages.values())
    if type(imported) is not list or not all(type(p) is str and p in known_packages for p in imported):
        raise ValueError("packages")
    if imported and not python:
        raise ValueError("packages")
    checked: list[Fill] = []
    for fill in fills:
        if type(fill) is not list or len(fill) != 4:
            raise ValueError("a fill")
        slot, filter_name, options, constant = fill
        if type(slot) is not str or slot not in present:
            raise ValueError("a fill's slot")
        if type(filter_name) is not str or filter_name not in literals.FILTERS:
            raise ValueError("a fill's filter")
        if type(options) is not dict or not set(options) <= _FILTER_OPTIONS[filter_name]:
            raise ValueError("a fill's options")
        if not all(_is_option(name, value) for name, value in options.items()):
            raise ValueError("a fill's options")
        if python:
            named = type(constant) is str and re.fullmatch(_NAME, constant)
            if filter_name != "py" or options or not named:
                raise ValueError("a fill's constant")
        elif constant is not None:
            raise ValueError("a fill's constant")
        checked.append((slot, filter_name, options, constant))
    return Skeleton(tuple(texts), tuple(checked), tuple(imported))


class SkeletonStore:
    """Skeletons by (template, language, shape): in memory, then on disk, else built."""

    def __init__(self, env: jinja2.Environment, packages: Mapping[str, str], disk: DiskStore) -> None:
        self.env = env
        self.packages = packages
        self.memory = Memo(SKELETON_CACHE_BYTES)
        self.disk = disk

    def get(
        self,
        template: str,
        language: str,
        shape: bytes,
        data: Callable[[], Mapping[str, Any]],
        slots: Mapping[str, bool],
    ) -> Skeleton:
        # The template and language are the rule table's names; the shape, a digest.
        key = (template, language, shape)
        found = self.memory.get(key)
        if found is None:
            name = digest("skeleton/2", *key).hex()
            found = self.disk.get(name, lambda raw: from_json(raw, language, slots, self.packages))
            if found is None:
                found = build(self.env, template, language, data(), slots, self.packages)
                self.disk.put(name, found.to_json())
            self.memory.put(key, found)
        return found
