import requests
from agilerl.arena.client import ArenaClient

DEPLOYMENT_NAME = "gsm8k-grpo"
PROMPT = "Write a haiku about reinforcement learning."

with ArenaClient() as client:
    client.login()
    base_url, api_key = client.ensure_inference_binding(DEPLOYMENT_NAME)

response = requests.post(
    f"{base_url}/generate",
    headers={"Authorization": f"Bearer {api_key}"},
    json={
        "prompts": [PROMPT],
        "params": {
            "max_new_tokens": 100,
            "temperature": 0.7,
            "top_p": 0.9,
            "do_sample": True,
        },
    },
    timeout=30,
)
response.raise_for_status()
print(response.json()["results"][0]["completion"])
