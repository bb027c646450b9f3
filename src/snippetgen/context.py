"""What one render request gives the templates: values (slots) and data (the shape).

Values are what templates only print, each through a literal filter: name,
endpoint, API key, prompt and env id. Everything else that reaches a template is
data, and may shape the text, so its digest, the request's `shape`, keys skeletons.
The key is masked here and nowhere else.
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, Literal

import pydantic_core
from pydantic import BaseModel, ConfigDict, SecretStr

from . import arrays
from .caches import digest
from .deployment import Deployment
from .lazy import LazyModule
from .spaces import example, mask_example

if TYPE_CHECKING:
    import numpy as np
else:
    np = LazyModule("numpy")

KeyDisplay = Literal["masked", "env", "placeholders"]
"""How a snippet holds the API key.

- ``masked``: the shown code has a masked key; the copied code has the real one.
- ``env``: both read the ``ARENA_API_KEY`` environment variable.
- ``placeholders``: docs mode; name, endpoint and key are placeholders.
"""

GENERATE_PARAMS = {"max_new_tokens": 100, "temperature": 0.7, "top_p": 0.9, "do_sample": True}
DEFAULT_PROMPT = "Write a haiku about reinforcement learning."
REQUEST_TIMEOUT_SECONDS = 30

SLOTS = ("name", "endpoint", "api_key", "prompt", "env_id")
"""The values: templates print them, through a literal filter, and never read them."""
_DEPLOYMENT_SLOTS = {"name", "endpoint", "api_key", "env_id"}


class Placeholders(BaseModel):
    """What docs show instead of a real deployment's values (as on the page)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: str = "YOUR_DEPLOYMENT_NAME"
    api_key: str = "YOUR_API_KEY"
    endpoint: str = "YOUR_ENDPOINT"
    obs: str = "<YOUR_OBS_HERE>"


def mask_key(key: str) -> str:
    """The key as shown on screen."""
    # Show the last four characters only of a key long enough to keep the rest secret.
    return "•" * 8 + (key[-4:] if len(key) >= 20 else "")


def _action_masks(deployment: Deployment):
    if not deployment.action_mask:
        return None
    if deployment.env_type == "pettingzoo":
        spaces = deployment.action_space or {}
        assert isinstance(spaces, dict)
        masks = {agent: mask_example(spaces.get(agent)) for agent in deployment.agent_ids}
        return masks if masks and all(m is not None for m in masks.values()) else None
    return mask_example(deployment.action_space)


def _env_defined_actions(deployment: Deployment):
    """One example per agent: -1 means the environment does not fix that agent's action."""
    if not deployment.env_defined_actions or not deployment.agent_ids:
        return None
    return {agent: np.array(-1, dtype=np.int64) for agent in deployment.agent_ids}


def _secret(value: object) -> object:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


@lru_cache(maxsize=1)
def _default_placeholders() -> Placeholders:
    return Placeholders()


@lru_cache(maxsize=1)
def _exact_json() -> pydantic_core.SchemaSerializer:
    """Deployments as JSON text, but with NaN and infinities kept apart from null."""
    Deployment.model_rebuild()  # builds the deferred schema
    schema = Deployment.__pydantic_core_schema__
    return pydantic_core.SchemaSerializer(schema, {"ser_json_inf_nan": "constants"})


class Request:
    """One render request: its memo key, its values (shown and copied), and its shape.

    Only the memo key is worked out here: the values and the shape on the first snippet that
    needs them, `data` only when a skeleton is built.
    """

    def __init__(
        self,
        deployment: Deployment,
        *,
        profile: str = "documented",
        key_display: KeyDisplay = "masked",
        placeholders: Placeholders | None = None,
        prompt: str | None = None,
    ) -> None:
        self.deployment = deployment
        self.profile = profile
        self.key_display = key_display
        self.placeholders = placeholders = placeholders or _default_placeholders()
        self.prompt = DEFAULT_PROMPT if prompt is None else prompt
        rest = _exact_json().to_json(deployment, exclude=_DEPLOYMENT_SLOTS)
        fields = deployment.__dict__
        shown_placeholders = list(placeholders.__dict__.values())
        self.key = digest(
            "request/1",
            rest,
            [_secret(fields[name]) for name in sorted(_DEPLOYMENT_SLOTS)],
            profile,
            key_display,
            shown_placeholders,
            self.prompt,
        )
        """A digest of everything the output depends on, the real key included: the memos' key."""

        self._rest = rest

    @cached_property
    def secret_key(self) -> str | None:
        """The real key, for the copied code; None in docs mode."""
        if self.key_display == "placeholders" or self.deployment.api_key is None:
            return None
        return self.deployment.api_key.get_secret_value()

    @cached_property
    def shown_key(self) -> str:
        """The key as the screen shows it: masked, or the docs placeholder."""
        if self.key_display == "placeholders":
            return self.placeholders.api_key
        return "" if self.secret_key is None else mask_key(self.secret_key)

    def __repr__(self) -> str:
        return f"Request({self.deployment!r}, profile={self.profile!r}, key_display={self.key_display!r})"

    def _values(self, api_key: str | None) -> dict[str, Any]:
        endpoint: str | None
        if self.key_display == "placeholders":
            name, endpoint = self.placeholders.name, self.placeholders.endpoint
        else:
            name, endpoint = self.deployment.name, self.deployment.endpoint
        return {
            "name": name,
            "endpoint": endpoint,
            "api_key": None if self.key_display == "env" else api_key,
            "prompt": self.prompt,
            "env_id": self.deployment.env_id,
        }

    @cached_property
    def _slotted(self) -> tuple[dict[str, Any], dict[str, bool], bytes]:
        # One cached property for the three: each first read of one takes a lock (Python 3.11).
        shown = self._values(self.shown_key)
        slots = {name: value is not None for name, value in shown.items()}
        placeholders = list(self.placeholders.__dict__.values())
        return shown, slots, digest("shape/1", self._rest, placeholders, list(slots.items()))

    @property
    def shown(self) -> dict[str, Any]:
        """The values of the code on screen."""
        return self._slotted[0]

    @property
    def slots(self) -> dict[str, bool]:
        """Each slot, and whether it has a value (a template tests it for none)."""
        return self._slotted[1]

    @property
    def shape(self) -> bytes:
        """A digest of everything but the slot values that reaches a template: a skeleton's key."""
        return self._slotted[2]

    @property
    def copied(self) -> dict[str, Any]:
        """The values of the code the copy icon copies (the real key; not kept)."""
        key = self.shown_key if self.key_display == "placeholders" else self.secret_key
        return self._values(key)

    @cached_property
    def data(self) -> dict[str, Any]:
        """The context that is not a value."""
        deployment = self.deployment
        space = deployment.observation_space
        data = {
            "situation": deployment.situation,
            "agents": list(deployment.agent_ids),
            "obs": None if space is None else example(space),
            "obs_placeholder": self.placeholders.obs,
            "action_mask": _action_masks(deployment),
            "wants_action_mask": deployment.action_mask,
            "env_defined_actions": _env_defined_actions(deployment),
            "params": GENERATE_PARAMS,
            "timeout": REQUEST_TIMEOUT_SECONDS,
        }
        return data | arrays.template_values(deployment, data)
