import base64
import io
import sys

import numpy as np
import requests

ENDPOINT = "https://arena.example.com/deployments/digits-classifier"
API_KEY = "••••••••0000"


def to_wire(array):
    """Base64 .npy of one array, with a leading batch axis of 1."""
    buffer = io.BytesIO()
    np.save(buffer, np.expand_dims(array, 0), allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def from_wire(text):
    """An array the deployment sent back, without its batch axis."""
    return np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False)[0]


inputs = np.zeros((8, 8), dtype="float32")
response = requests.post(
    f"{ENDPOINT}/predict",
    json={"inputs": to_wire(inputs)},
    headers={"Authorization": f"Bearer {API_KEY}"},
    timeout=30,
)
if not response.ok or response.json().get("success") is False:
    sys.exit(f"POST {response.url} failed: {response.status_code} {response.text}")
print("results:", from_wire(response.json()["results"]))
