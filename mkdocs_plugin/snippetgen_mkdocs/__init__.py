"""Docs front-ends: `arena-snippet` blocks in pages become the panel's tabs.

`plugin` is the MkDocs plugin; `fence` the pymdownx.superfences custom fence
(Zensical, MkDocs, Python-Markdown); both render through `block`.
"""
