"""The Arena API the sandbox answers: the platform's lookups and each deployment's calls.

`Arena` keeps what those calls change (each deployment's key, its chat sessions)
and checks every token and array; server.py serves it over HTTP.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from ..arrays import WireError, decode_tree, encode_tree
from ..deployment import Deployment
from . import answers

# Per deployment: sessions, and the characters one session keeps (a long chat).
MAX_SESSIONS = 256
MAX_SESSION_CHARS = 64_000
# Rows per call (batch_size, the inputs' batch axis, prompts): an answer's size
# follows it, and a zero-width array makes a huge batch_size cost nothing to send.
MAX_BATCH = 1024

ARRAY_FIELDS = ("obs", "action_mask", "env_defined_actions", "hidden_state", "inputs")


class Reply(Exception):
    """Stop handling a request and answer with this status and JSON body."""

    def __init__(self, status: int, body: dict):
        self.status = status
        self.body = body


def detail(status: int, message: str) -> Reply:
    return Reply(status, {"detail": message})


@dataclass
class _Served:
    """A served deployment, its current key and its chat sessions."""

    deployment: Deployment
    key: str
    sessions: dict[str, list[dict]] = field(default_factory=dict)
    # Characters kept per session, against MAX_SESSION_CHARS.
    session_chars: dict[str, int] = field(default_factory=dict)


class Arena:
    """The served deployments, answering the platform's and the deployments' routes.

    Every method that answers raises Reply for anything but a 200.
    """

    def __init__(self, deployments: list[Deployment], user_key: str, endpoint: Callable[[int], str]):
        self.user_key = user_key
        self.served = [
            _Served(d, d.api_key.get_secret_value() if d.api_key else _new_key(i))
            for i, d in enumerate(deployments)
        ]
        self.by_name = {s.deployment.name: i for i, s in enumerate(self.served)}
        self._endpoint = endpoint
        self._lock = threading.Lock()

    def keys(self) -> list[str]:
        with self._lock:
            return [s.key for s in self.served]

    def rotate_key(self, index: int) -> str:
        new = _new_key(index)
        with self._lock:
            self.served[index].key = new
        return new

    def _authorize_platform(self, token: str | None) -> None:
        if token is None:
            raise detail(401, "Not authenticated: send Authorization: Bearer <ARENA_API_KEY>")
        if not _same(token, self.user_key):
            raise detail(401, "Invalid API key")

    def authorize_deployment(self, index: int, token: str | None) -> None:
        if token is None:
            raise detail(401, "Not authenticated: send Authorization: Bearer <API key>")
        with self._lock:
            keys = [s.key for s in self.served]
        # Compared in constant time, and all of them, so timing tells nothing about the keys.
        matches = [_same(token, key) for key in keys]
        if _same(token, self.user_key) or matches[index]:
            return
        if any(matches):
            raise detail(403, "This API key is not allowed to use this deployment")
        raise detail(401, "Invalid or expired API key")

    def _lookup(self, query: dict[str, str]) -> int:
        name = query.get("name")
        if name is None:
            raise detail(422, "query parameter 'name' is required")
        index = self.by_name.get(name)
        if index is None:
            raise detail(404, f"No deployment named {name!r}")
        return index

    def _row(self, index: int) -> dict:
        served = self.served[index]
        d = served.deployment
        with self._lock:
            key = served.key
        return {
            "name": d.name,
            "url": self._endpoint(index),
            "api_key": key,
            "status": d.status,
            "algorithm": d.algorithm,
            "env_type": d.env_type,
        }

    def platform(self, method: str, route: str, query: dict, token: str | None):
        self._authorize_platform(token)
        if route == "/one" and method == "GET":
            return self._row(self._lookup(query))
        if route == "/list" and method == "GET":
            name = query.get("name")
            return [self._row(i) for i, s in enumerate(self.served) if name in (None, s.deployment.name)]
        if route == "/rotate_key" and method == "POST":
            index = self._lookup(query)
            return {"name": self.served[index].deployment.name, "api_key": self.rotate_key(index)}
        raise detail(404, "Not Found")

    def deployment_call(self, index: int, method: str, route: str, body, arrays: dict):
        served = self.served[index]
        d = served.deployment
        if route == "/status" and method == "GET":
            return {
                "success": True,
                "deployment_id": f"sandbox-{index}",
                "instance_id": "sandbox-0",
                "agent": answers.agent_info(d),
            }
        if d.status != "Deployed":
            raise detail(503, f"Deployment status is {d.status}; try again once it is Deployed")
        if (route == "/sessions" or route.startswith("/sessions/")) and method in ("GET", "DELETE"):
            return self._sessions(served, method, route)
        if method != "POST" or route not in ("/get_action", "/predict", "/generate", "/generate_stream"):
            raise detail(404, "Not Found")
        if not isinstance(body, dict):
            raise detail(422, "expected a JSON object body")
        wanted = answers.suffix(d)
        called = route.removeprefix("/").removesuffix("_stream")
        if called != wanted:
            raise detail(400, f"This deployment answers /{wanted}, not {route}")
        try:
            tree = {k: decode_tree(body[k], k, arrays) for k in ARRAY_FIELDS if k in body}
            if route == "/get_action":
                return self._get_action(d, body, tree)
            if route == "/predict":
                return self._predict(d, tree)
            if route == "/generate":
                return self._generate(served, body)
            return self._generate_stream(served, body)
        except WireError as exc:
            raise detail(422, str(exc)) from None

    def _get_action(self, d: Deployment, body: dict, tree: dict) -> dict:
        batch = body.get("batch_size")
        if not isinstance(batch, int) or isinstance(batch, bool) or batch < 1:
            raise WireError("batch_size: expected a positive integer")
        _check_batch(batch, "batch_size")
        answers.check_observation(d, tree.get("obs"), batch, "obs")
        answers.check_per_agent(d, tree.get("action_mask"), batch, "action_mask")
        answers.check_per_agent(d, tree.get("env_defined_actions"), batch, "env_defined_actions")
        action = answers.actions(
            d, tree["obs"], batch, tree.get("action_mask"), tree.get("env_defined_actions")
        )
        answer = {"action": encode_tree(action)}
        if d.situation == "recurrent_ppo":
            if "hidden_state" not in body:
                raise WireError("hidden_state: required for a recurrent agent (null on the first step)")
            answers.check_hidden_state(tree["hidden_state"], batch)
            answer["hidden_state"] = encode_tree(answers.next_hidden_state(tree["hidden_state"], batch))
        return answer

    def _predict(self, d: Deployment, tree: dict) -> dict:
        inputs = tree.get("inputs")
        if inputs is None:
            raise WireError("inputs: missing")
        batch = answers.batch_of(inputs, "inputs")
        _check_batch(batch, "inputs: batch axis")
        if d.observation_space is not None:
            answers.check_observation(d, inputs, batch, "inputs")
        return {
            "results": encode_tree(answers.predictions(d, inputs, batch)),
            "batch_size": batch,
            "inference_time_ms": 0.1,
            "success": True,
        }

    def _remember(self, served: _Served, session_id, turns: list[tuple[str, str]]) -> None:
        """Add (prompt, reply) turns to a session, all or none."""
        if session_id is None:
            return
        if not isinstance(session_id, str) or not session_id.strip():
            raise WireError("session_id: expected a non-empty string")
        added = sum(len(prompt) + len(reply) for prompt, reply in turns)
        with self._lock:
            kept = served.session_chars.get(session_id)
            if kept is None and len(served.sessions) >= MAX_SESSIONS:
                raise detail(
                    409,
                    f"session_id: this deployment already keeps {MAX_SESSIONS} sessions, the "
                    "sandbox's limit; DELETE /sessions/<session_id> to free one",
                )
            if (kept or 0) + added > MAX_SESSION_CHARS:
                raise detail(
                    409,
                    f"session_id: the session would keep more than {MAX_SESSION_CHARS} characters, "
                    "the sandbox's limit; DELETE /sessions/<session_id> or use a new session_id",
                )
            served.session_chars[session_id] = (kept or 0) + added
            messages = served.sessions.setdefault(session_id, [])
            for prompt, reply in turns:
                messages += [{"role": "user", "content": prompt}, {"role": "assistant", "content": reply}]

    def _generate(self, served: _Served, body: dict) -> dict:
        prompts = body.get("prompts")
        if not isinstance(prompts, list) or not prompts:
            raise WireError("prompts: expected a non-empty list of strings")
        _check_batch(len(prompts), "prompts: count")
        for i, prompt in enumerate(prompts):
            answers.check_prompt(prompt, f"prompts.{i}")
        answers.check_generate_params(body.get("params"))
        results = [{"prompt": p, "completion": answers.completion(p)} for p in prompts]
        self._remember(served, body.get("session_id"), [(r["prompt"], r["completion"]) for r in results])
        return {
            "results": results,
            "batch_size": len(results),
            "inference_time_ms": 0.1,
            "tokens_per_second": 100.0,
            "success": True,
        }

    def _generate_stream(self, served: _Served, body: dict) -> list[str]:
        prompt = answers.check_prompt(body.get("prompt"), "prompt")
        answers.check_generate_params(body.get("params"))
        reply = answers.completion(prompt)
        self._remember(served, body.get("session_id"), [(prompt, reply)])
        return [word + " " for word in reply.split(" ")[:-1]] + [reply.split(" ")[-1]]

    def _sessions(self, served: _Served, method: str, route: str):
        parts = route.split("/")[2:]
        with self._lock:
            if not parts and method == "GET":
                return {"sessions": [{"session_id": sid} for sid in served.sessions]}
            if len(parts) == 1 and parts[0] in served.sessions:
                if method == "DELETE":
                    del served.sessions[parts[0]]
                    del served.session_chars[parts[0]]
                    return {"success": True}
                return {"session_id": parts[0], "messages": list(served.sessions[parts[0]])}
        raise detail(404, "No such session")


def _same(token: str, key: str) -> bool:
    # Bytes: compare_digest takes str only when it is ASCII, and a header may not be.
    return hmac.compare_digest(token.encode("utf-8", "surrogatepass"), key.encode("utf-8", "surrogatepass"))


def _check_batch(rows: int, where: str) -> None:
    if rows > MAX_BATCH:
        raise WireError(f"{where}: {rows} rows; the sandbox answers at most {MAX_BATCH} per call")


def _new_key(index: int) -> str:
    return f"sandbox-key-{index}-{secrets.token_hex(8)}"
