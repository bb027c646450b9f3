#!/usr/bin/env bash
# Step a recurrent policy: POST $ENDPOINT/get_action, sending each answer's
# hidden_state back with the next call.
set -euo pipefail
command -v jq >/dev/null || {
  echo "This example needs jq to send hidden_state back." >&2
  exit 1
}

ENDPOINT='https://arena.example.com/deployments/cartpole-recurrent'
API_KEY='••••••••0000'

# Each array travels as base64 .npy with a leading batch axis of 1; from NumPy:
#   buffer = io.BytesIO(); np.save(buffer, obs[np.newaxis], allow_pickle=False)
#   base64.b64encode(buffer.getvalue()).decode("ascii")
# The answer's "action" and "hidden_state" come back the same way.
# The first call has no hidden state yet: "hidden_state" is null.
body='{
  "obs": "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDQpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAAAAAAAAAA",
  "batch_size": 1,
  "hidden_state": null
}'

for step in 1 2 3; do
  # On an HTTP error, show the server's answer and stop.
  answer=$(curl --fail-with-body --silent --show-error --max-time '30' \
    --header "Authorization: Bearer $API_KEY" \
    --header "Content-Type: application/json" \
    --data-binary @- "$ENDPOINT/get_action" <<<"$body") || {
    printf '%s\n' "$answer" >&2
    exit 1
  }
  echo "step $step: $answer"
  # Step your environment with the action here and put its next observation in "obs".
  # Send the returned hidden_state back, unchanged, with the next call.
  body=$(printf '%s\n%s\n' "$body" "$answer" | jq --slurp '.[0] + {hidden_state: .[1].hidden_state}')
done
