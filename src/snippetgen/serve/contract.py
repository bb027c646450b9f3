"""The OpenAPI document, made exact: every status each operation answers, and the rules
the request models check in code written into their schemas.

FastAPI's document comes from the models' types. What their validators add (the api_key
rule, the known profiles, which languages each tab has) is written in here, from the
same sources the validators read, so the document cannot drift from what is enforced.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from typing import Any, Literal, get_args

from pydantic import Field, create_model

from .. import rule_table
from ..deployment import _GYM_ID, _MODULE, _TOKEN, MAX_KEY_LENGTH
from ..rules import DEFAULT_VARIANT, EnvType, TabId
from ..spaces import MAX_AGENT_ID_LENGTH, MAX_ARRAYS, MAX_LISTED_ELEMENTS, MAX_NAME_BYTES
from ..unsafe import CLASS as UNSAFE
from .guard import BAD_HOST, NOT_AUTHENTICATED
from .models import (
    INT64_MAX,
    INT64_MIN,
    MAX_AGENTS,
    MAX_SPACE_DEPTH,
    MAX_SPACE_ELEMENTS,
    PanelRequest,
    tab_variants,
)

REF = "#/components/schemas/{model}"
REFUSAL = "Refusal"
INVALID = "InvalidInput"
KEY_OPERATIONS = (("/v1/panel", "post"), ("/v1/snippet", "post"))
ENV_TYPES: tuple[str, ...] = get_args(EnvType)


# The Deployment's field rules as JSON Schema patterns (ECMA-262, anchored as fullmatch is).
# Whitespace as str.isspace() means it (regex dialects disagree on \s).
def _char_class(codes: list[int]) -> str:
    """Code points as the inside of a regex class, runs written as ranges."""
    runs: list[list[int]] = []
    for code in codes:
        if runs and code == runs[-1][1] + 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in runs)


SPACES = _char_class([code for code in range(0x10000) if chr(code).isspace()])
# No code point of unsafe.py (NUL among them) anywhere: the Deployment refuses them.
NOT_BLANK = f"^[^{UNSAFE}]*[^{SPACES}{UNSAFE}][^{UNSAFE}]*$"
PASTE_SAFE = f"^[^{UNSAFE}]*$"
GYM_ID = f"^{_GYM_ID.pattern}$"
MODULE = f"^{_MODULE.pattern}$"
# http(s), a host, an optional port and path; no user info, query or fragment. A host
# name is any text without whitespace, controls or URL delimiters, nor a character that
# NFKC turns into one (urlsplit refuses those); an IPv6 address is the full or ::-led form.
_DELIMITERS = "/?#@:[]\\"
HOST_CHARS = _char_class(
    [*range(0x20), 0x7F]
    + [c for c in range(0x80, 0x10000) if set(unicodedata.normalize("NFKC", chr(c))) & set(_DELIMITERS)]
)
_HEX = "[0-9A-Fa-f]{1,4}"
IPV6 = rf"\[(?:(?:{_HEX}:){{7}}{_HEX}|::(?:{_HEX}(?::{_HEX}){{0,6}})?)\]"
ENDPOINT = (
    rf"^[hH][tT][tT][pP][sS]?://(?:[^{SPACES}{HOST_CHARS}{UNSAFE}/?#@:\[\]\\]+|{IPV6})"
    rf"(:[0-9]*)?(/[^{SPACES}{UNSAFE}?#]*)?$"
)
SEPARATORS = "[^0-9A-Za-z]*"
BEYOND_SCHEMA = (
    "Rules that relate one value to another, which JSON Schema cannot state: each space's "
    f"example value holds at most {MAX_SPACE_ELEMENTS} elements (a Box the product of its "
    "shape, Discrete n, MultiDiscrete the length of nvec, MultiBinary n or the product of "
    f"its shape, Dict and Tuple the sum of theirs), nested at most {MAX_SPACE_DEPTH} deep, "
    f"with at most {MAX_LISTED_ELEMENTS} values its bounds leave different, {MAX_ARRAYS} arrays "
    f"and {MAX_NAME_BYTES} bytes of Dict keys and agent ids written as JSON; "
    "a Box's low and high are each a number or nested lists in the shape of its shape, "
    "low never exceeds high, and its example value (0, clipped into the bounds) fits its "
    "dtype; a pettingzoo deployment with agents has spaces keyed by exactly those agent ids."
)


def _refusal(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF.format(model=REFUSAL)}}},
    }


def _schemas() -> dict[str, Any]:
    entry = {
        "type": "object",
        "properties": {
            "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
            "field": {"type": "string", "description": "The bad field, like deployment.endpoint."},
            "msg": {"type": "string", "description": "Why; never the submitted value."},
            "type": {"type": "string"},
        },
        "required": ["loc", "field", "msg", "type"],
    }
    return {
        REFUSAL: {
            "title": REFUSAL,
            "type": "object",
            "properties": {"detail": {"type": "string"}},
            "required": ["detail"],
        },
        INVALID: {
            "title": INVALID,
            "type": "object",
            "properties": {"detail": {"type": "array", "items": entry}},
            "required": ["detail"],
        },
    }


def _snippet_variants() -> tuple[dict[str, Any], dict[str, Any]]:
    """`POST /v1/snippet`'s body as a union discriminated by `tab`, each tab with its languages.

    Built from the rule table, so a language added to a tab shows up here.
    """
    variants = []
    for tab, rule in rule_table().tabs.items():
        if rule.kind != "code":
            continue
        languages = tuple(rule.languages)
        tab_type: Any = Literal[tab]
        language_type: Any = Literal[languages] | None
        variant_type: Any = Literal[tab_variants(tab)]
        variants.append(
            create_model(
                f"SnippetRequest_{tab}",
                __base__=PanelRequest,
                __doc__=f"`POST /v1/snippet` for the {rule.title} tab.",
                tab=(tab_type, ...),
                language=(language_type, Field(None, description=f"Default: {languages[0]}.")),
                variant=(variant_type, Field(DEFAULT_VARIANT, description=_VARIANT_DESCRIPTION)),
            )
        )
    defs: dict[str, Any] = {}
    refs = []
    mapping = {}
    for model in variants:
        schema = model.model_json_schema(ref_template=REF)
        defs.update(schema.pop("$defs", {}))
        # render_snippet needs the real endpoint and key, unless it writes placeholders.
        schema["anyOf"] = [
            {"properties": {"key_display": {"const": "placeholders"}}, "required": ["key_display"]},
            {
                "properties": {
                    "deployment": {
                        "required": ["api_key", "endpoint"],
                        "properties": {"api_key": {"type": "string"}, "endpoint": {"type": "string"}},
                    }
                }
            },
        ]
        tab = schema["properties"]["tab"]["const"]
        only = _variant_env_types(tab)
        if only:
            schema["allOf"] = only
        defs[model.__name__] = schema
        refs.append({"$ref": REF.format(model=model.__name__)})
        mapping[tab] = REF.format(model=model.__name__)
    union = {"oneOf": refs, "discriminator": {"propertyName": "tab", "mapping": mapping}}
    return union, defs


_VARIANT_DESCRIPTION = "`request` (one call); `stream`: the LLM snippets that read generate_stream's chunks."


def _variant_env_types(tab: TabId) -> list[dict[str, Any]]:
    """Each variant of the tab as a rule on the deployment's env type: `stream` only for `llm`."""
    table = rule_table()
    rules = []
    for name in tab_variants(tab)[1:]:
        situations = set(table.variants[name].situations)
        env_types = sorted({table.situations[s].env_type for s in situations})
        # Exact only when the variant covers every situation of those env types.
        if any(rule.env_type in env_types and s not in situations for s, rule in table.situations.items()):
            continue
        rules.append(
            {
                "anyOf": [
                    {"not": {"properties": {"variant": {"const": name}}, "required": ["variant"]}},
                    {"properties": {"deployment": {"properties": {"env_type": {"enum": env_types}}}}},
                ]
            }
        )
    return rules


def tighten(spec: dict[str, Any], *, token: bool) -> dict[str, Any]:
    """Write into FastAPI's document what the service enforces beyond the models' types."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(_schemas())

    union, defs = _snippet_variants()
    for name, schema in defs.items():
        schemas.setdefault(name, schema)
    panel = PanelRequest.model_json_schema(ref_template=REF)
    for name, schema in panel.pop("$defs", {}).items():
        schemas.setdefault(name, schema)
    schemas["PanelRequest"] = panel
    for path, body in (("/v1/panel", {"$ref": REF.format(model="PanelRequest")}), ("/v1/snippet", union)):
        spec["paths"][path]["post"]["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }

    _rules(schemas)

    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            responses = operation["responses"]
            responses["400"] = _refusal(f"Bad request: {BAD_HOST}; or a malformed Content-Length or body.")
            if token:
                answer = _refusal(NOT_AUTHENTICATED)
                answer["headers"] = {"WWW-Authenticate": {"schema": {"type": "string", "const": "Bearer"}}}
                responses["401"] = answer
            if method == "post":
                responses["413"] = _refusal("The request body is over the service's limit (1 MiB).")
                responses["422"] = {
                    "description": "Invalid input: each entry names a field (never echoing its value).",
                    "content": {"application/json": {"schema": {"$ref": REF.format(model=INVALID)}}},
                }
            if (path, method) in KEY_OPERATIONS:
                responses["200"]["headers"] = {
                    "Cache-Control": {
                        "description": "The answer carries the API key: never stored.",
                        "schema": {"type": "string", "const": "no-store"},
                    }
                }
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    return spec


def _rules(schemas: dict[str, Any]) -> None:
    """The validators' rules, as schema keywords."""
    deployment = schemas["Deployment"]
    props = deployment["properties"]
    for option in props["api_key"]["anyOf"]:
        if option.get("type") == "string":
            # The Deployment's own rule: a Bearer token's characters.
            option["pattern"] = f"^{_TOKEN.pattern}$"
            option["maxLength"] = MAX_KEY_LENGTH
    for field in ("name", "algorithm"):
        props[field]["pattern"] = NOT_BLANK
    _nullable_string(props["endpoint"])["pattern"] = ENDPOINT
    agent_id = _nullable_array(props["agents"])["items"]
    agent_id.update(pattern=PASTE_SAFE, maxLength=MAX_AGENT_ID_LENGTH)
    for schema in schemas.values():
        _paste_safe_keys(schema)
    for schema in schemas.values():
        _int64(schema)
    profiles = list(rule_table().profiles)
    for name, schema in schemas.items():
        if name == "PanelRequest" or name.startswith("SnippetRequest_"):
            schema["properties"]["profile"]["enum"] = profiles
    schemas.update(_by_env_type(deployment))
    schemas["Deployment"] = {
        "title": "Deployment",
        "description": f"{deployment.get('description', '')} {BEYOND_SCHEMA}",
        "oneOf": [{"$ref": REF.format(model=f"Deployment_{env}")} for env in ENV_TYPES],
        "discriminator": {
            "propertyName": "env_type",
            "mapping": {env: REF.format(model=f"Deployment_{env}") for env in ENV_TYPES},
        },
    }


def _nullable_string(schema: dict[str, Any]) -> dict[str, Any]:
    return next(option for option in schema["anyOf"] if option.get("type") == "string")


def _nullable_array(schema: dict[str, Any]) -> dict[str, Any]:
    return next(option for option in schema["anyOf"] if option.get("type") == "array")


def _paste_safe_keys(schema: Any) -> None:
    """Mapping keys (Dict spaces, agent id → space) are printed too: paste-safe, like every value."""
    if isinstance(schema, dict):
        if schema.get("type") == "object" and "additionalProperties" in schema and "properties" not in schema:
            schema["propertyNames"] = {"pattern": PASTE_SAFE}
        for value in schema.values():
            _paste_safe_keys(value)
    elif isinstance(schema, list):
        for item in schema:
            _paste_safe_keys(item)


def _int64(schema: Any) -> None:
    """Every integer a deployment holds must fit in 64 bits (the service's limit)."""
    if isinstance(schema, dict):
        if schema.get("type") == "integer":
            schema.setdefault("maximum", INT64_MAX)
            schema.setdefault("minimum", INT64_MIN)
        for value in schema.values():
            _int64(value)
    elif isinstance(schema, list):
        for item in schema:
            _int64(item)


def _spelled(name: str) -> str:
    """A regex for every spelling classify() reads as `name` (case, and any separators)."""
    key = re.sub(r"[^0-9a-z]", "", name.lower())
    letters = (f"[{c}{c.upper()}]" if c.isalpha() else c for c in key)
    return SEPARATORS + SEPARATORS.join(letters) + SEPARATORS


def _by_env_type(deployment: dict[str, Any]) -> dict[str, Any]:
    """One Deployment schema per env_type: its spaces' form, env_id form, and the algorithms
    listed for other env types (a contradiction classify() refuses)."""
    situations = rule_table().situations
    variants = {}
    for env in ENV_TYPES:
        schema = copy.deepcopy(deployment)
        schema["title"] = f"Deployment_{env}"
        props = schema["properties"]
        props["env_type"] = {"type": "string", "const": env, "title": "Env Type"}
        foreign = sorted({a for rule in situations.values() if rule.env_type != env for a in rule.algorithms})
        if foreign:
            props["algorithm"]["not"] = {"pattern": "^(" + "|".join(map(_spelled, foreign)) + ")$"}
        multi_agent = env == "pettingzoo"
        for field in ("observation_space", "action_space"):
            options = props[field]["anyOf"]
            # Agent id → space for pettingzoo, one space otherwise.
            keep = [o for o in options if o.get("type") == "null" or ("oneOf" in o) != multi_agent]
            props[field]["anyOf"] = keep
        _nullable_string(props["env_id"])["pattern"] = MODULE if multi_agent else GYM_ID
        if multi_agent:
            _nullable_array(props["agents"])["maxItems"] = MAX_AGENTS
        else:
            props["agents"] = {
                "anyOf": [{"type": "array", "maxItems": 0, "items": {"type": "string"}}, {"type": "null"}],
                "title": "Agents",
                "description": "pettingzoo deployments only",
            }
            props["env_defined_actions"] = {
                "type": "boolean",
                "const": False,
                "default": False,
                "description": "pettingzoo deployments only",
            }
        variants[f"Deployment_{env}"] = schema
    return variants


class RequestSchemas:
    """Each POST body checked against the schema the document publishes for it.

    The models accept a little more than their schemas say (pydantic takes `1` for
    `true`); checking the published schema too makes the document the whole truth.
    Errors name the field and the broken keyword, never the value.
    """

    def __init__(self, spec: dict[str, Any]):
        import jsonschema_rs

        self._build = jsonschema_rs.validator_for
        self._components = {"schemas": spec["components"]["schemas"]}
        self._roots: dict[str, dict[str, Any]] = {}
        self._validators: dict[str, Any] = {}
        for path, methods in spec["paths"].items():
            body = methods.get("post", {}).get("requestBody")
            if body is not None:
                self._roots[path] = {
                    **body["content"]["application/json"]["schema"],
                    "components": self._components,
                }
                self._validators[path] = self._build(self._roots[path])

    def _validator(self, ref: str) -> Any:
        if ref not in self._validators:
            self._roots[ref] = {"$ref": ref, "components": self._components}
            self._validators[ref] = self._build(self._roots[ref])
        return self._validators[ref]

    def errors(self, path: str, body: Any, prefix: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        found = []
        for error in self._validators[path].iter_errors(body):
            where = tuple(error.instance_path)
            branch = self._discriminated(self._roots[path], list(error.schema_path), body, where)
            if branch is not None:
                # A discriminated union: the errors of the branch its tag names, which say
                # more than "matches no branch".
                ref, value = branch
                self._validator(ref)
                inner = self.errors(ref, value, prefix + where)
                if inner:
                    found.extend(inner)
                    continue
            found.append(
                {
                    "type": "schema",
                    "loc": ("body", *prefix, *where),
                    "msg": f"breaks the OpenAPI document's {error.schema_path[-1]!s} rule",
                }
            )
        return found

    @staticmethod
    def _discriminated(root: Any, schema_path: list[Any], body: Any, where: tuple[Any, ...]) -> Any:
        if not schema_path or schema_path[-1] != "oneOf":
            return None
        node = root
        for step in schema_path[:-1]:
            node = node[step]
        discriminator = node.get("discriminator") if isinstance(node, dict) else None
        value = body
        for step in where:
            value = value[step]
        if discriminator is None or not isinstance(value, dict):
            return None
        ref = discriminator["mapping"].get(value.get(discriminator["propertyName"]))
        return None if ref is None else (ref, value)
