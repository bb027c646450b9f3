import sys

import requests
from agilerl.arena.client import ArenaClient

DEPLOYMENT_NAME = "gsm8k-grpo"
PROMPT = "Write a haiku about reinforcement learning."

with ArenaClient() as client:
    client.login()
    base_url, api_key = client.ensure_inference_binding(DEPLOYMENT_NAME)

# stream=True reads the answer as it arrives: plain text chunks, printed one by one.
with requests.post(
    f"{base_url}/generate_stream",
    headers={"Authorization": f"Bearer {api_key}"},
    json={
        "prompt": PROMPT,
        "params": {
            "max_new_tokens": 100,
            "temperature": 0.7,
            "top_p": 0.9,
            "do_sample": True,
        },
    },
    timeout=30,
    stream=True,
) as response:
    response.raise_for_status()
    response.encoding = "utf-8"
    for chunk in response.iter_content(chunk_size=None, decode_unicode=True):
        # "\n[ERROR:" starts the deployment's message when it fails mid-stream;
        # a read may hold text before it.
        text, error, message = chunk.partition("\n[ERROR:")
        print(text, end="", flush=True)
        if error:
            sys.exit((error + message).strip())
print()
