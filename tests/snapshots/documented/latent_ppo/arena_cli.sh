DEPLOYMENT_NAME='pendulum-latent'
OBS='[0.0, 0.0, 0.0]'

arena login
arena inference run "$DEPLOYMENT_NAME" --obs "$OBS"
