import sys

import requests

ENDPOINT = "https://arena.example.com/deployments/gsm8k-grpo"
API_KEY = "••••••••0000"
PROMPT = "Write a haiku about reinforcement learning."


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


answer = post(
    f"{ENDPOINT}/generate",
    {
        "prompts": [PROMPT],
        "params": {
            "max_new_tokens": 100,
            "temperature": 0.7,
            "top_p": 0.9,
            "do_sample": True,
        },
    },
    API_KEY,
)
print(answer["results"][0]["completion"])
