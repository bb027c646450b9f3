#!/usr/bin/env bash
# Ask the model for a prediction: POST $ENDPOINT/predict.
set -euo pipefail

ENDPOINT='https://arena.example.com/deployments/digits-classifier'
API_KEY='••••••••0000'

# POST the JSON body read from stdin to $ENDPOINT/$1 and print the answer.
# On an HTTP error, print the server's answer to stderr and fail.
post() {
  local answer
  if ! answer=$(curl --fail-with-body --silent --show-error --max-time '30' \
    --header "Authorization: Bearer $API_KEY" \
    --header "Content-Type: application/json" \
    --data-binary @- \
    "$ENDPOINT/$1"); then
    printf '%s\n' "$answer" >&2
    return 1
  fi
  printf '%s\n' "$answer"
}

# Each array travels as base64 of a .npy file with a leading batch axis of 1.
# To make one from a NumPy array in Python:
#   buffer = io.BytesIO(); np.save(buffer, np.expand_dims(obs, 0), allow_pickle=False)
#   base64.b64encode(buffer.getvalue()).decode("ascii")
# The answer's "results" come back the same way.
post predict <<'JSON'
{
  "inputs": "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDgsIDgpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
}
JSON
