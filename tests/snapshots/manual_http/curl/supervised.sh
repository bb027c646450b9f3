#!/usr/bin/env bash
# Ask the model for a prediction: POST $ENDPOINT/predict.
set -euo pipefail

ENDPOINT='https://arena.example.com/deployments/digits-classifier'
API_KEY='••••••••0000'

# Each array travels as base64 .npy with a leading batch axis of 1; from NumPy:
#   buffer = io.BytesIO(); np.save(buffer, obs[np.newaxis], allow_pickle=False)
#   base64.b64encode(buffer.getvalue()).decode("ascii")
# The answer's "results" come back the same way.
curl --fail-with-body --silent --show-error --max-time '30' --write-out '\n' \
  --header "Authorization: Bearer $API_KEY" \
  --header "Content-Type: application/json" \
  --data-binary @- "$ENDPOINT/predict" <<'JSON'
{
  "inputs": "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDgsIDgpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
}
JSON
