import gymnasium as gym
from agilerl.arena.client import ArenaClient

DEPLOYMENT_NAME = "cartpole-ppo"
ENV_ID = "CartPole-v1"

env = gym.make(ENV_ID)

# ArenaClient uses ARENA_API_KEY when set; otherwise login() opens a browser sign-in.
with ArenaClient() as client:
    client.login()
    with client.open_inference_agent(DEPLOYMENT_NAME) as agent:
        state, info = env.reset()
        for _ in range(100):
            # info carries the env's action mask, when it gives one.
            action, _ = agent.get_action(state, info=info)
            state, reward, terminated, truncated, info = env.step(action)
            if terminated or truncated:
                state, info = env.reset()
