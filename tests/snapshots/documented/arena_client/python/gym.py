import gymnasium as gym
from agilerl.arena.client import ArenaClient

DEPLOYMENT_NAME = "cartpole-ppo"
ENV_ID = "CartPole-v1"

env = gym.make(ENV_ID)

with ArenaClient() as client:
    client.login()
    with client.open_inference_agent(DEPLOYMENT_NAME) as agent:
        state, info = env.reset()
        for _ in range(10):
            _, action, _ = agent.get_action(state, batched=False, info=info)
            state, *_, info = env.step(action)
