"""The service's settings: command-line flags over environment variables over defaults."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

ENV_PREFIX = "SNIPPETGEN_SERVICE_"
# What a Host header names: a host name (or a *.domain pattern), an IPv4 or a bracketed IPv6 address.
_HOST = re.compile(r"(\*\.)?[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?|\[[0-9a-f:.]+\]")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
FLAGS = {"allowed_hosts": "--allowed-host"}
MAX_BODY_BYTES = 1024 * 1024
# Requests in flight get this long to finish once a stop is asked for; the
# process then exits within the 5 s the service promises.
GRACEFUL_SHUTDOWN_SECONDS = 1


class SettingsError(ValueError):
    """A flag or environment variable with a value the service cannot use: one line."""


# The environment `ServiceSettings.load` reads instead of os.environ.
_environ: ContextVar[Mapping[str, str] | None] = ContextVar("environ", default=None)


class _Environment(EnvSettingsSource):
    """SNIPPETGEN_SERVICE_* values, stripped (except the token's), from os.environ or the
    mapping `load` was given. The body limit is the documented contract: not read here."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        environ = _environ.get()
        if environ is not None:
            self.env_vars = {k.lower(): v for k, v in environ.items()}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        value, key, complex_value = super().get_field_value(field, field_name)
        if field_name == "max_body_bytes":
            value = None
        elif isinstance(value, str) and field_name != "token":
            value = value.strip()
        return value, key, complex_value


class ServiceSettings(BaseSettings):
    """How `python -m snippetgen serve` runs, and what `create_app` builds.

    Each field can come from a flag (`--port 9000`) or from the environment
    (`SNIPPETGEN_SERVICE_PORT=9000`); a flag wins.
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, frozen=True, extra="forbid", hide_input_in_errors=True
    )

    host: str = Field("127.0.0.1", description="Address to bind; loopback unless told otherwise.")
    port: int = Field(8000, ge=0, le=65535, description="0 picks a free port.")
    workers: int = Field(1, ge=1, le=64, description="Worker processes (the API is stateless).")
    sandbox: bool = Field(False, description="Run the sandbox beside the page, so it works end to end.")
    token: SecretStr | None = Field(
        None, description="When set, every /v1/ route requires 'Authorization: Bearer <token>'."
    )
    max_body_bytes: int = Field(MAX_BODY_BYTES, ge=1)
    root_path: str = Field("", description="The path prefix a proxy serves the app under, like /snippets.")
    # NoDecode: the environment gives a comma-separated list, not JSON.
    allowed_hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="Host names answered besides the bound host and loopback ('*.example.com' too)."
    )
    no_token_on_purpose: bool = Field(
        False, description="Allow a non-loopback address without a token (something else guards it)."
    )

    @field_validator("root_path")
    @classmethod
    def _root_path(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and (not value.startswith("/") or any(ch.isspace() or ch in "?#" for ch in value)):
            raise ValueError("must be a path like /snippets")
        return value

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("allowed_hosts")
    @classmethod
    def _allowed_hosts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        hosts = []
        for host in value:
            host = host.strip().lower()
            if not _HOST.fullmatch(host):
                raise ValueError("each must be a host name or address, like dash.example.com")
            hosts.append(host)
        return tuple(hosts)

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        if not value or any(ch.isspace() for ch in value):
            raise ValueError("must be an address or host name without spaces")
        return value

    @field_validator("token")
    @classmethod
    def _token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        text = value.get_secret_value()
        if not text:
            return None
        if not all(0x21 <= ord(ch) <= 0x7E for ch in text):
            raise ValueError("must be printable ASCII without spaces (it is sent as a Bearer token)")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Arguments (the flags) over the environment over defaults; no .env or secrets files.
        return init_settings, _Environment(settings_cls)

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, **flags: Any) -> ServiceSettings:
        """Settings from `environ` (default: os.environ), with flags that are not None on top.

        Raises SettingsError: one line naming each flag or variable that is wrong."""
        given = {k: v for k, v in flags.items() if v is not None}
        reset = _environ.set(os.environ if environ is None else environ)
        try:
            return cls(**given)
        except ValidationError as exc:
            # The token's value never reaches the message: only the field and the reason.
            problems = []
            for error in exc.errors(include_input=False):
                field = str(error["loc"][0]) if error["loc"] else "settings"
                if field in given:
                    source = FLAGS.get(field, "--" + field.replace("_", "-"))
                else:
                    source = ENV_PREFIX + field.upper()
                problems.append(f"{source}: {error['msg'].removeprefix('Value error, ')}")
            raise SettingsError("; ".join(problems)) from None
        finally:
            _environ.reset(reset)

    def check_exposure(self) -> None:
        """Refuse an address beyond loopback with nothing guarding the keys, unless told it is on purpose."""
        if not self.loopback and self.token is None and not self.no_token_on_purpose:
            raise SettingsError(
                f"--host {self.host} is reachable beyond this machine and panels carry API keys: "
                f"set {ENV_PREFIX}TOKEN, or pass --no-token-on-purpose if something else guards it"
            )

    @property
    def hosts(self) -> list[str]:
        """The Host header values answered: the bound host, loopback names, and allowed_hosts."""
        bound = self.host.lower()
        if ":" in bound:
            bound = f"[{bound}]"
        wildcard = bound in ("0.0.0.0", "[::]")  # every interface: no one name to trust
        names = [*([] if wildcard else [bound]), *LOOPBACK_HOSTS, *self.allowed_hosts]
        return list(dict.fromkeys(names))

    @property
    def loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False
