DEPLOYMENT_NAME='rps-ippo'
OBS='{"player_0": 0, "player_1": 0}'

arena login
# Options first, then the name after "--", so a name is never read as an option.
arena inference run --obs="$OBS" -- "$DEPLOYMENT_NAME"
