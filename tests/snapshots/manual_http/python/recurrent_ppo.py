import base64
import io
import sys

import numpy as np
import requests

ENDPOINT = "https://arena.example.com/deployments/cartpole-recurrent"
API_KEY = "••••••••0000"


def to_wire(array):
    """Base64 .npy of one array, with a leading batch axis of 1."""
    buffer = io.BytesIO()
    np.save(buffer, np.expand_dims(array, 0), allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def from_wire(text):
    """An array the deployment sent back, without its batch axis."""
    return np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False)[0]


obs = np.zeros((4,), dtype="float32")
hidden_state = None  # the first step starts with no hidden state
for step in range(5):
    body = {"obs": to_wire(obs), "batch_size": 1, "hidden_state": hidden_state}
    response = requests.post(
        f"{ENDPOINT}/get_action",
        json=body,
        headers={"Authorization": f"Bearer {API_KEY}"},
        timeout=30,
    )
    if not response.ok or response.json().get("success") is False:
        sys.exit(f"POST {response.url} failed: {response.status_code} {response.text}")
    answer = response.json()
    # Already serialized: send it back unchanged with the next observation.
    hidden_state = answer["hidden_state"]
    print(f"step {step}: action {from_wire(answer['action'])}")
    # Step your environment with the action here and set obs to its next observation.
