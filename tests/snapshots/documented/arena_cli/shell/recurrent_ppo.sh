DEPLOYMENT_NAME='cartpole-recurrent'
OBS='[0.0, 0.0, 0.0, 0.0]'

arena login
# Options first, then the name after "--", so a name is never read as an option.
arena inference run --obs="$OBS" -- "$DEPLOYMENT_NAME"
