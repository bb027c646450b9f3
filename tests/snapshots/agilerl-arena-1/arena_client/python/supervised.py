import numpy as np
from agilerl.arena.client import ArenaClient

DEPLOYMENT_NAME = "digits-classifier"

inputs = np.zeros((8, 8), dtype="float32")

# ArenaClient uses ARENA_API_KEY when set; otherwise login() opens a browser sign-in.
with ArenaClient() as client:
    client.login()
    with client.open_inference_agent(DEPLOYMENT_NAME) as agent:
        results, _ = agent.predict(inputs)
        print("results:", results)
