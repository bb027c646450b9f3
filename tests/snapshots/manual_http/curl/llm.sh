#!/usr/bin/env bash
# Generate a completion: POST $ENDPOINT/generate.
set -euo pipefail

ENDPOINT='https://arena.example.com/deployments/gsm8k-grpo'
API_KEY='••••••••0000'
# The request body: JSON in single quotes. Inside the prompt's JSON string write
# \" for ", \\ for \ and \n for a newline; write '\'' for a single quote.
BODY='{
  "prompts": [
    "Write a haiku about reinforcement learning."
  ],
  "params": {
    "max_new_tokens": 100,
    "temperature": 0.7,
    "top_p": 0.9,
    "do_sample": true
  }
}'

# The completion is in results[0].completion.
curl --fail-with-body --silent --show-error --max-time '30' --write-out '\n' \
  --header "Authorization: Bearer $API_KEY" \
  --header "Content-Type: application/json" \
  --data-binary @- "$ENDPOINT/generate" <<<"$BODY"
