import gymnasium as gym
from agilerl.arena.client import ArenaClient

DEPLOYMENT_NAME = "pendulum-latent"
ENV_ID = "Pendulum-v1"

env = gym.make(ENV_ID)
inputs, _ = env.reset()  # the agent predicts from an observation of its env

# ArenaClient uses ARENA_API_KEY when set; otherwise login() opens a browser sign-in.
with ArenaClient() as client:
    client.login()
    with client.open_inference_agent(DEPLOYMENT_NAME) as agent:
        results, _ = agent.predict(inputs)
        print("results:", results)
