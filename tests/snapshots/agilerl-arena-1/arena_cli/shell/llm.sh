DEPLOYMENT_NAME='gsm8k-grpo'
PROMPT='Write a haiku about reinforcement learning.'

arena login
arena agent list --name="$DEPLOYMENT_NAME"
# Streams the completion ("--": a name is never read as an option).
arena agent generate --prompt="$PROMPT" -- "$DEPLOYMENT_NAME"
