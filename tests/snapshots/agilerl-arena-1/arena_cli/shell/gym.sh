DEPLOYMENT_NAME='cartpole-ppo'

arena login
arena agent list --name="$DEPLOYMENT_NAME"
# Select it as the active agent ("--": a name is never read as an option).
arena agent run -- "$DEPLOYMENT_NAME"
# The arena CLI has no get_action command: send observations with the Arena client or Manual HTTP tab.
