from agilerl.arena.client import ArenaClient

DEPLOYMENT_NAME = "gsm8k-grpo"
PROMPT = "Write a haiku about reinforcement learning."

# ArenaClient uses ARENA_API_KEY when set; otherwise login() opens a browser sign-in.
with ArenaClient() as client:
    client.login()
    with client.open_inference_agent(DEPLOYMENT_NAME) as agent:
        # Each chunk prints as it arrives; an error mid-stream raises ArenaInferenceError.
        for chunk in agent.generate_stream(
            PROMPT,
            params={
                "max_new_tokens": 100,
                "temperature": 0.7,
                "top_p": 0.9,
                "do_sample": True,
            },
        ):
            print(chunk, end="", flush=True)
        print()
