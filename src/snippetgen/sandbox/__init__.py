"""An Arena-compatible server on 127.0.0.1 for trying and testing snippets.

    from snippetgen.sandbox import Sandbox
    with Sandbox(deployments, user_key="...") as sb:
        ...  # sb.base_url, sb.deployments, sb.received, sb.rotate_key(name)

`python -m snippetgen sandbox` runs it from a terminal (see `main`).
"""

from .command import main
from .server import Received, Sandbox

__all__ = ["Received", "Sandbox", "main"]
