"""The input: one deployment as the Agents page knows it."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    SecretStr,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from .classify import classify
from .rules import EnvType, Situation
from .spaces import AgentIds, SpaceOrAgents
from .unsafe import check, check_keys

MAX_ENDPOINT_LENGTH = 2048
MAX_KEY_LENGTH = 1024  # room for a JWT; Arena's own keys are far shorter

Status = Literal["Deployed", "Pending", "Failed"]
Page = Literal["classic_rl", "advanced_training"]

# A bearer token travels in an HTTP header: visible ASCII, no spaces.
_TOKEN = re.compile(r"[\x21-\x7e]+")
_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_GYM_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./:-]*")
_SPACE = re.compile(r"\s")  # str.isspace's code points


def _secret(value: object) -> SecretStr:
    if isinstance(value, SecretStr):
        return value
    if isinstance(value, str):
        return SecretStr(value)
    raise ValueError("must be a string")


# SecretStr that also accepts an already wrapped key when validating JSON
# (Deployment wraps the key before validation, in both modes).
ApiKey = Annotated[
    SecretStr,
    PlainValidator(_secret),
    PlainSerializer(str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "password", "writeOnly": True}),
]


class Deployment(BaseModel):
    """A deployed Arena agent. Every value is data: snippets quote it, never run it."""

    # hide_input_in_errors keeps the API key out of ValidationError text.
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True, defer_build=True)

    name: str = Field(min_length=1, max_length=1000)
    algorithm: str = Field(min_length=1, max_length=100)
    env_type: EnvType
    # Lengths bound the panel: each value is printed in every snippet, shown and copied.
    endpoint: str | None = Field(default=None, max_length=MAX_ENDPOINT_LENGTH)
    api_key: ApiKey | None = None
    status: Status = "Deployed"
    connected: bool = True
    page: Page = "classic_rl"
    observation_space: SpaceOrAgents | None = None
    action_space: SpaceOrAgents | None = None
    env_id: str | None = Field(default=None, max_length=200)
    agents: AgentIds | None = None
    action_mask: bool = False
    env_defined_actions: bool = False

    @model_validator(mode="before")
    @classmethod
    def _wrap_key(cls, data):
        # Wrapped before validation, so even ValidationError.errors()' inputs stay masked.
        if isinstance(data, dict) and isinstance(data.get("api_key"), str):
            data = {**data, "api_key": SecretStr(data["api_key"])}
        return data

    @field_validator("name", "algorithm")
    @classmethod
    def _text(cls, value: str) -> str:
        check(value)
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    # Snippets print these too: none may carry a code point a terminal acts on (unsafe.py).
    @field_validator("env_id")
    @classmethod
    def _env_id(cls, value: str | None) -> str | None:
        return None if value is None else check(value)

    @field_validator("agents")
    @classmethod
    def _agents(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for position, agent in enumerate(value or ()):
            check(agent, f"agent id {position} ")
        return value

    @field_validator("observation_space", "action_space", mode="before")
    @classmethod
    def _agent_ids(cls, value: object) -> object:
        # Before the union: a bad agent id is then one error, not one per kind of space.
        if isinstance(value, dict) and not isinstance(value.get("type"), str):
            check_keys(value, "agent id")
        return value

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value is None:
            return None
        check(value)
        if _SPACE.search(value):
            raise ValueError("must not contain whitespace")
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https"):
            raise ValueError("must start with http:// or https://")
        if not parts.hostname:
            raise ValueError("must name a host, like https://agent.example.com")
        if parts.username is not None or parts.password is not None:
            raise ValueError("must not contain user info (user:password@)")
        if parts.query or value.endswith("?"):
            raise ValueError("must not contain a query string")
        if parts.fragment or "#" in value:
            raise ValueError("must not contain a fragment")
        return value.rstrip("/")

    @field_validator("api_key")
    @classmethod
    def _api_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        if not _TOKEN.fullmatch(value.get_secret_value()):
            raise ValueError(
                "must be printable ASCII without spaces (it is sent as a Bearer token)"
            )
        if len(value.get_secret_value()) > MAX_KEY_LENGTH:
            raise ValueError(f"must be at most {MAX_KEY_LENGTH} characters")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Deployment:
        # Raises on an algorithm that contradicts env_type. Kept as the cached value:
        # functools.cached_property takes a lock on each first read in Python 3.11.
        self.__dict__["situation"] = classify(self.algorithm, self.env_type)
        multi_agent = self.env_type == "pettingzoo"
        for field in ("observation_space", "action_space"):
            space = getattr(self, field)
            if space is None:
                continue
            if multi_agent and not isinstance(space, dict):
                raise ValueError(
                    f"{field}: a pettingzoo deployment needs a mapping of agent id "
                    'to space, like {"player_0": {"type": "Discrete", "n": 3}}'
                )
            if not multi_agent and isinstance(space, dict):
                raise ValueError(
                    f"{field}: a single space is expected for env_type "
                    f"{self.env_type!r}, not a mapping of agents"
                )
            if multi_agent and self.agents and set(space) != set(self.agents):
                raise ValueError(f"{field}: its agent ids must match agents")
        if self.env_id is not None:
            pattern = _MODULE if multi_agent else _GYM_ID
            example = "pettingzoo.classic.rps_v2" if multi_agent else "CartPole-v1"
            if not pattern.fullmatch(self.env_id):
                raise ValueError(f"env_id: expected an id like {example!r}")
        if not multi_agent and (self.agents or self.env_defined_actions):
            raise ValueError(
                "agents and env_defined_actions apply to pettingzoo deployments only"
            )
        return self

    @cached_property
    def situation(self) -> Situation:
        """Which variant of the snippets this deployment gets."""
        return classify(self.algorithm, self.env_type)

    @property
    def agent_ids(self) -> tuple[str, ...]:
        """Agent ids, from `agents` or else from the observation space mapping."""
        if self.agents:
            return self.agents
        if isinstance(self.observation_space, dict):
            return tuple(self.observation_space)
        return ()
