DEPLOYMENT_NAME='digits-classifier'

arena login
arena agent list --name="$DEPLOYMENT_NAME"
# Select it as the active agent ("--": a name is never read as an option).
arena agent run -- "$DEPLOYMENT_NAME"
# The arena CLI has no predict command: send inputs with the Arena client or Manual HTTP tab.
