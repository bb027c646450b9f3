import importlib

from agilerl.arena.client import ArenaClient

DEPLOYMENT_NAME = "rps-ippo"
ENV_MODULE = "pettingzoo.classic.rps_v2"

env = importlib.import_module(ENV_MODULE).parallel_env()


def per_agent(infos, key):
    """{agent_id: the env's array or None}, the form the Arena client takes."""
    return {agent_id: info.get(key) for agent_id, info in infos.items()}


# ArenaClient uses ARENA_API_KEY when set; otherwise login() opens a browser sign-in.
with ArenaClient() as client:
    client.login()
    with client.open_inference_agent(DEPLOYMENT_NAME) as agent:
        observations, infos = env.reset()
        for _ in range(100):
            # One observation per agent in, one action per agent out.
            info = {"action_mask": per_agent(infos, "action_mask")}
            info["env_defined_actions"] = per_agent(infos, "env_defined_actions")
            actions, _ = agent.get_action(observations, info=info)
            observations, rewards, terminations, truncations, infos = env.step(actions)
            if not env.agents:
                observations, infos = env.reset()
