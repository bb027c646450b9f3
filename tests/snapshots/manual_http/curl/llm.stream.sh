#!/usr/bin/env bash
# Stream a completion: POST $ENDPOINT/generate_stream; chunks print as they arrive.
set -euo pipefail

ENDPOINT='https://arena.example.com/deployments/gsm8k-grpo'
API_KEY='••••••••0000'
# The request body: JSON in single quotes. Inside the prompt's JSON string write
# \" for ", \\ for \ and \n for a newline; write '\'' for a single quote.
BODY='{
  "prompt": "Write a haiku about reinforcement learning.",
  "params": {
    "max_new_tokens": 100,
    "temperature": 0.7,
    "top_p": 0.9,
    "do_sample": true
  }
}'

# --no-buffer prints each chunk as it arrives; tee keeps a copy to look for an error.
ANSWER="$(mktemp)"
trap 'rm -f "$ANSWER"' EXIT
curl --no-buffer --fail-with-body --silent --show-error --write-out '\n' \
  --connect-timeout '30' --speed-limit 1 --speed-time '30' \
  --header "Authorization: Bearer $API_KEY" \
  --header "Content-Type: application/json" \
  --data-binary @- "$ENDPOINT/generate_stream" <<<"$BODY" | tee "$ANSWER"
# A chunk starting "\n[ERROR:" means the deployment failed mid-stream.
if grep -q '^\[ERROR:' "$ANSWER"; then
  exit 1
fi
