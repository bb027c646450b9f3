import base64
import io
import sys

import numpy as np
import requests

ENDPOINT = "https://arena.example.com/deployments/rps-ippo"
API_KEY = "••••••••0000"


def serialize(tree):
    """Base64 .npy for each array of a dict/tuple tree, with a leading batch axis of 1."""
    if tree is None:
        return None
    if isinstance(tree, dict):
        return {key: serialize(value) for key, value in tree.items()}
    if isinstance(tree, (tuple, list)):
        return [serialize(value) for value in tree]
    buffer = io.BytesIO()
    np.save(buffer, np.expand_dims(np.asarray(tree), 0), allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def deserialize(tree):
    """The reverse of serialize: arrays back, batch axis removed."""
    if tree is None:
        return None
    if isinstance(tree, dict):
        return {key: deserialize(value) for key, value in tree.items()}
    if isinstance(tree, list):
        return tuple(deserialize(value) for value in tree)
    array = np.load(io.BytesIO(base64.b64decode(tree)), allow_pickle=False)
    return array[0]


def post(url, body, api_key):
    """POST a JSON body with the Bearer token; stop with the server's message on failure."""
    response = requests.post(
        url,
        json=body,
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=30,
    )
    try:
        response.raise_for_status()
    except requests.HTTPError as error:
        sys.exit(f"{error}\n{response.text}")
    answer = response.json()
    if answer.get("success") is False:
        sys.exit(f"{url} answered success=false: {answer}")
    return answer


obs = {"player_0": np.array(0, dtype="int64"), "player_1": np.array(0, dtype="int64")}
body = {"obs": serialize(obs), "batch_size": 1}
body["action_mask"] = serialize(
    {
        "player_0": np.full((3,), 1, dtype="int8"),
        "player_1": np.full((3,), 1, dtype="int8"),
    }
)
# -1: the environment does not fix this agent's action.
body["env_defined_actions"] = serialize(
    {"player_0": np.array(-1, dtype="int64"), "player_1": np.array(-1, dtype="int64")}
)
answer = post(f"{ENDPOINT}/get_action", body, API_KEY)
action = deserialize(answer["action"])
print("action:", action)
