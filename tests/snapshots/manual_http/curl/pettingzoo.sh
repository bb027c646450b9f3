#!/usr/bin/env bash
# Ask the deployment for an action: POST $ENDPOINT/get_action.
set -euo pipefail

ENDPOINT='https://arena.example.com/deployments/rps-ippo'
API_KEY='••••••••0000'

# Each array travels as base64 .npy with a leading batch axis of 1; from NumPy:
#   buffer = io.BytesIO(); np.save(buffer, obs[np.newaxis], allow_pickle=False)
#   base64.b64encode(buffer.getvalue()).decode("ascii")
# The answer's "action" comes back the same way.
# "action_mask" and "env_defined_actions": per agent, only when your env gives them (the
# Arena client leaves them out otherwise): allowed actions (1 = allowed), and the action
# the env fixes (-1 = none).
curl --fail-with-body --silent --show-error --max-time '30' --write-out '\n' \
  --header "Authorization: Bearer $API_KEY" \
  --header "Content-Type: application/json" \
  --data-binary @- "$ENDPOINT/get_action" <<'JSON'
{
  "obs": {
    "player_0": "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAA==",
    "player_1": "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAA=="
  },
  "batch_size": 1,
  "action_mask": {
    "player_0": "k05VTVBZAQB2AHsnZGVzY3InOiAnfGkxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAQE=",
    "player_1": "k05VTVBZAQB2AHsnZGVzY3InOiAnfGkxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAQE="
  },
  "env_defined_actions": {
    "player_0": "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAr//////////w==",
    "player_1": "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAr//////////w=="
  }
}
JSON
