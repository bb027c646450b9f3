import gymnasium as gym
from agilerl.arena.client import ArenaClient

DEPLOYMENT_NAME = "cartpole-recurrent"
ENV_ID = "CartPole-v1"

env = gym.make(ENV_ID)

with ArenaClient() as client:
    client.login()
    with client.open_inference_agent(DEPLOYMENT_NAME) as agent:
        state, info = env.reset()
        hidden_state = None  # the first step starts with no hidden state
        for _ in range(10):
            _, action, hidden_state = agent.get_action(
                state, batched=False, info=info, hidden_state=hidden_state
            )
            state, *_, info = env.step(action)
