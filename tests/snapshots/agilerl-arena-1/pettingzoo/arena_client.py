import importlib

import numpy as np
from agilerl.arena.client import ArenaClient

DEPLOYMENT_NAME = "rps-ippo"
ENV_MODULE = "pettingzoo.classic.rps_v2"

env = importlib.import_module(ENV_MODULE).parallel_env()


def client_info(observations, infos):
    """What the client takes as info: {"action_mask": {agent_id: mask or None}}."""
    masks = {}
    env_defined = {}
    for agent_id, obs in observations.items():
        info = infos.get(agent_id, {})
        mask = info.get("action_mask")
        if mask is None and isinstance(obs, dict):
            mask = obs.get("action_mask")
        masks[agent_id] = None if mask is None else np.asarray(mask)
        # The action the environment fixes for this agent this step, if any.
        fixed = info.get("env_defined_actions")
        env_defined[agent_id] = None if fixed is None else np.asarray(fixed)
    return {"action_mask": masks, "env_defined_actions": env_defined}


# ArenaClient uses ARENA_API_KEY when set; otherwise login() opens a browser sign-in.
with ArenaClient() as client:
    client.login()
    with client.open_inference_agent(DEPLOYMENT_NAME) as agent:
        observations, infos = env.reset()
        for _ in range(100):
            # One observation per agent in, one action per agent out.
            info = client_info(observations, infos)
            actions, _ = agent.get_action(observations, info=info)
            observations, rewards, terminations, truncations, infos = env.step(actions)
            if not env.agents:
                observations, infos = env.reset()
