import sys

import requests

ENDPOINT = "https://arena.example.com/deployments/gsm8k-grpo"
API_KEY = "••••••••0000"
PROMPT = "Write a haiku about reinforcement learning."

# stream=True reads the answer as it arrives: plain text chunks, printed one by one.
with requests.post(
    f"{ENDPOINT}/generate_stream",
    json={
        "prompt": PROMPT,
        "params": {
            "max_new_tokens": 100,
            "temperature": 0.7,
            "top_p": 0.9,
            "do_sample": True,
        },
    },
    headers={"Authorization": f"Bearer {API_KEY}"},
    timeout=30,
    stream=True,
) as response:
    if not response.ok:
        sys.exit(f"POST {response.url} failed: {response.status_code} {response.text}")
    response.encoding = "utf-8"
    for chunk in response.iter_content(chunk_size=None, decode_unicode=True):
        # "\n[ERROR:" starts the deployment's message when it fails mid-stream;
        # a read may hold text before it.
        text, error, message = chunk.partition("\n[ERROR:")
        print(text, end="", flush=True)
        if error:
            sys.exit((error + message).strip())
print()
