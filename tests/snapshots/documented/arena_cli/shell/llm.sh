DEPLOYMENT_NAME='gsm8k-grpo'

arena login
arena inference list --name="$DEPLOYMENT_NAME"
