import gymnasium as gym
from agilerl.arena.client import ArenaClient

DEPLOYMENT_NAME = "cartpole-recurrent"
ENV_ID = "CartPole-v1"

env = gym.make(ENV_ID)

# ArenaClient uses ARENA_API_KEY when set; otherwise login() opens a browser sign-in.
with ArenaClient() as client:
    client.login()
    with client.open_inference_agent(DEPLOYMENT_NAME) as agent:
        state, info = env.reset()
        hidden_state = None  # each episode starts with no hidden state
        for _ in range(100):
            # Send back the hidden state of the previous step.
            action, hidden_state = agent.get_action(
                state, info=info, hidden_state=hidden_state
            )
            state, reward, terminated, truncated, info = env.step(action)
            if terminated or truncated:
                state, info = env.reset()
                hidden_state = None
