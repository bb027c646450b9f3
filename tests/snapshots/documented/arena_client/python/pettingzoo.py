import importlib

from agilerl.arena.client import ArenaClient

DEPLOYMENT_NAME = "rps-ippo"
ENV_MODULE = "pettingzoo.classic.rps_v2"

env = importlib.import_module(ENV_MODULE).parallel_env()

with ArenaClient() as client:
    client.login()
    with client.open_inference_agent(DEPLOYMENT_NAME) as agent:
        observations, infos = env.reset()
        for _ in range(10):
            # One observation per agent in, one action per agent out.
            _, actions, _ = agent.get_action(observations, batched=False, info=infos)
            observations, rewards, terminations, truncations, infos = env.step(actions)
            if not env.agents:
                break
