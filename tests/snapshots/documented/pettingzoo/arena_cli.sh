DEPLOYMENT_NAME='rps-ippo'
OBS='{"player_0": 0, "player_1": 0}'

arena login
arena inference run "$DEPLOYMENT_NAME" --obs "$OBS"
