import sys

import requests

ENDPOINT = "https://arena.example.com/deployments/gsm8k-grpo"
API_KEY = "••••••••0000"
PROMPT = "Write a haiku about reinforcement learning."

response = requests.post(
    f"{ENDPOINT}/generate",
    json={
        "prompts": [PROMPT],
        "params": {
            "max_new_tokens": 100,
            "temperature": 0.7,
            "top_p": 0.9,
            "do_sample": True,
        },
    },
    headers={"Authorization": f"Bearer {API_KEY}"},
    timeout=30,
)
if not response.ok or response.json().get("success") is False:
    sys.exit(f"POST {response.url} failed: {response.status_code} {response.text}")
print(response.json()["results"][0]["completion"])
