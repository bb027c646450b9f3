import base64
import io
import sys

import numpy as np
import requests

ENDPOINT = "https://arena.example.com/deployments/rps-ippo"
API_KEY = "••••••••0000"


def to_wire(tree):
    """Base64 .npy of each array in a dict/tuple tree, with a leading batch axis of 1."""
    if tree is None:
        return None
    if isinstance(tree, dict):
        return {key: to_wire(value) for key, value in tree.items()}
    if isinstance(tree, (tuple, list)):
        return [to_wire(value) for value in tree]
    buffer = io.BytesIO()
    np.save(buffer, np.expand_dims(tree, 0), allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def from_wire(text):
    """An array the deployment sent back, without its batch axis."""
    return np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False)[0]


obs = {"player_0": np.array(0, dtype="int64"), "player_1": np.array(0, dtype="int64")}
body = {"obs": to_wire(obs), "batch_size": 1}
# Per agent, only when your env gives them (the Arena client leaves them out
# otherwise): allowed actions (1 = allowed), and the action the env fixes (-1 = none).
body["action_mask"] = to_wire(
    {"player_0": np.ones((3,), dtype="int8"), "player_1": np.ones((3,), dtype="int8")}
)
body["env_defined_actions"] = to_wire(
    {"player_0": np.array(-1, dtype="int64"), "player_1": np.array(-1, dtype="int64")}
)
response = requests.post(
    f"{ENDPOINT}/get_action",
    json=body,
    headers={"Authorization": f"Bearer {API_KEY}"},
    timeout=30,
)
if not response.ok or response.json().get("success") is False:
    sys.exit(f"POST {response.url} failed: {response.status_code} {response.text}")
for agent_id, action in response.json()["action"].items():
    print(f"{agent_id}: action {from_wire(action)}")
