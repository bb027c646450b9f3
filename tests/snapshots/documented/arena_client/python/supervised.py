import base64
import io
import sys

import numpy as np
import requests
from agilerl.arena.client import ArenaClient

DEPLOYMENT_NAME = "digits-classifier"

with ArenaClient() as client:
    client.login()
    base_url, api_key = client.ensure_inference_binding(DEPLOYMENT_NAME)

inputs = np.zeros((8, 8), dtype="float32")
# Arrays travel as base64 .npy with a leading batch axis of 1.
buffer = io.BytesIO()
np.save(buffer, np.expand_dims(inputs, 0), allow_pickle=False)
response = requests.post(
    f"{base_url}/predict",
    json={"inputs": base64.b64encode(buffer.getvalue()).decode("ascii")},
    headers={"Authorization": f"Bearer {api_key}"},
    timeout=30,
)
if not response.ok or response.json().get("success") is False:
    sys.exit(f"POST {response.url} failed: {response.status_code} {response.text}")
results = response.json()["results"]
print("results:", np.load(io.BytesIO(base64.b64decode(results)), allow_pickle=False)[0])
